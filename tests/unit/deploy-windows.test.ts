// Deploy windows against fixed clocks: 2026-12-07 is a Monday; New York is UTC-5 in December.
import { describe, expect, it } from 'vitest';
import { isOpen, nextOpening, outsideWindows, parseDeployWindows } from '../../src/deploy/DeployWindows.js';

const at = (iso: string) => new Date(iso);

describe('deploy windows', () => {
  const [nights] = parseDeployWindows(['Mon-Fri 22:00-06:00 America/New_York']);

  it('opens on the days listed, in their zone, past midnight into the next day', () => {
    expect(isOpen(nights!, at('2026-12-07T15:00:00Z'))).toBe(false); // Mon 10:00 in New York
    expect(isOpen(nights!, at('2026-12-08T03:00:00Z'))).toBe(true); // Mon 22:00
    expect(isOpen(nights!, at('2026-12-08T10:59:00Z'))).toBe(true); // Tue 05:59, Monday's night
    expect(isOpen(nights!, at('2026-12-08T11:00:00Z'))).toBe(false); // Tue 06:00
    expect(isOpen(nights!, at('2026-12-12T10:00:00Z'))).toBe(true); // Sat 05:00, Friday's night
    expect(isOpen(nights!, at('2026-12-13T04:00:00Z'))).toBe(false); // Sat 23:00: no Saturday night
  });

  it('a whole day is 00:00-24:00; days may wrap the week', () => {
    const [weekend] = parseDeployWindows(['Sat-Sun 00:00-24:00 UTC']);
    expect(isOpen(weekend!, at('2026-12-12T00:00:00Z'))).toBe(true);
    expect(isOpen(weekend!, at('2026-12-13T23:59:00Z'))).toBe(true);
    expect(isOpen(weekend!, at('2026-12-14T00:00:00Z'))).toBe(false);
    const [wrap] = parseDeployWindows(['Fri-Mon 09:00-10:00 UTC']);
    expect([...wrap!.days].sort()).toEqual([0, 1, 5, 6]);
  });

  it('follows the zone across a change of clocks', () => {
    const [london] = parseDeployWindows(['daily 09:00-10:00 Europe/London']);
    expect(isOpen(london!, at('2026-03-28T09:30:00Z'))).toBe(true); // GMT
    expect(isOpen(london!, at('2026-03-29T09:30:00Z'))).toBe(false); // 10:30 BST
    expect(isOpen(london!, at('2026-03-29T08:30:00Z'))).toBe(true); // 09:30 BST
  });

  it('names the next opening when refusing', () => {
    expect(nextOpening([nights!], at('2026-12-12T12:00:00Z'))?.at.toISOString()).toBe('2026-12-15T03:00:00.000Z');
    expect(outsideWindows([nights!], at('2026-12-07T15:00:30Z'))).toBe(
      "the deploy is outside every deploy window (now 2026-12-07 15:00 UTC); the next opens Mon 2026-12-07 22:00 America/New_York (2026-12-08 03:00 UTC), by 'Mon-Fri 22:00-06:00 America/New_York'. A rollback is never refused by a window",
    );
    expect(outsideWindows([nights!], at('2026-12-08T03:00:00Z'))).toBeUndefined();
    expect(outsideWindows([], at('2026-12-07T15:00:00Z'))).toBeUndefined();
  });

  it('refuses what it cannot read, naming the input', () => {
    expect(() => parseDeployWindows(['Mon-Fri 22:00-06:00 Mars/Olympus'])).toThrow(
      "Input 'deploy-windows': 'Mon-Fri 22:00-06:00 Mars/Olympus': Mars/Olympus is not an IANA time zone (for example Europe/London or UTC)",
    );
    expect(() => parseDeployWindows(['Mon-Fry 22:00-06:00 UTC'])).toThrow(/Mon-Fry is not days like Mon-Fri/);
    expect(() => parseDeployWindows(['Mon 25:00-06:00 UTC'])).toThrow(/25:00 is not a time of day/);
    expect(() => parseDeployWindows(['weekdays at night'])).toThrow(/is not DAYS HH:MM-HH:MM ZONE/);
  });
});
