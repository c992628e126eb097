// Deploy windows: `Mon-Fri 22:00-06:00 America/New_York`, one a line. Outside every window a deploy
// is refused before any host is touched, naming when the next one opens. A rollback never reads
// them: putting the previous release back must always be possible.
import { InputError } from '../inputs/InputError.js';

export interface DeployWindow {
  /** As written, for messages. */
  text: string;
  /** Days the window starts on, 0 = Sunday. */
  days: Set<number>;
  /** Minutes since local midnight; end <= start runs past midnight into the next day. */
  start: number;
  end: number;
  zone: string;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const INPUT = 'deploy-windows';

export function parseDeployWindows(lines: string[]): DeployWindow[] {
  return lines.map((text) => {
    const m = /^(\S+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s+(\S+)$/.exec(text.trim());
    if (!m)
      throw new InputError(
        INPUT,
        `'${text}' is not DAYS HH:MM-HH:MM ZONE (for example Mon-Fri 22:00-06:00 America/New_York)`,
      );
    const [, days, sh, sm, eh, em, zone] = m as unknown as string[];
    const start = minutes(text, sh!, sm!);
    const end = minutes(text, eh!, em!);
    if (start === end) throw new InputError(INPUT, `'${text}' starts and ends at the same time`);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      throw new InputError(INPUT, `'${text}': ${zone} is not an IANA time zone (for example Europe/London or UTC)`);
    }
    return { text, days: parseDays(text, days!), start, end, zone: zone! };
  });
}

function minutes(text: string, h: string, m: string): number {
  const n = Number(h) * 60 + Number(m);
  if (Number(m) > 59 || n > 24 * 60)
    throw new InputError(INPUT, `'${text}': ${h}:${m} is not a time of day (00:00 to 24:00)`);
  return n;
}

/** `Mon-Fri`, `Sat,Sun`, `Fri-Mon` (wrapping), `Tue`, or `daily`. */
function parseDays(text: string, spec: string): Set<number> {
  const out = new Set<number>();
  if (/^(daily|\*)$/i.test(spec)) return new Set([0, 1, 2, 3, 4, 5, 6]);
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-').map((d) => DAYS.indexOf(d.slice(0, 3).toLowerCase()));
    if (a === undefined || a < 0 || (b !== undefined && b < 0) || part.split('-').length > 2)
      throw new InputError(INPUT, `'${text}': ${spec} is not days like Mon-Fri, Sat,Sun or daily`);
    for (let d = a; ; d = (d + 1) % 7) {
      out.add(d);
      if (b === undefined || d === b) break;
    }
  }
  return out;
}

// One formatter per zone: making one costs far more than using it, and nextOpening asks per minute.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The day of the week (0 = Sunday) and minutes since midnight at `t` in `zone`. */
export function localTime(t: Date, zone: string): { day: number; minute: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  const parts = f.formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: DAYS.indexOf(get('weekday').toLowerCase()), minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export function isOpen(w: DeployWindow, t: Date): boolean {
  const { day, minute } = localTime(t, w.zone);
  if (w.end > w.start) return w.days.has(day) && minute >= w.start && minute < w.end;
  return (w.days.has(day) && minute >= w.start) || (w.days.has((day + 6) % 7) && minute < w.end);
}

/** The first minute at or after `t` when some window is open (within 8 days), or undefined. */
export function nextOpening(windows: DeployWindow[], t: Date): { at: Date; window: DeployWindow } | undefined {
  const first = Math.ceil(t.getTime() / 60_000) * 60_000;
  for (let at = first; at <= first + 8 * 24 * 3600_000; at += 60_000) {
    const window = windows.find((w) => isOpen(w, new Date(at)));
    if (window) return { at: new Date(at), window };
  }
  return undefined;
}

/** A deploy refused by its windows: nothing was touched, like bad input, but the input is fine. */
export class OutsideDeployWindow extends InputError {
  constructor(message: string) {
    super(INPUT, message);
    this.name = 'OutsideDeployWindow';
  }
}

/** Why a deploy at `now` is refused, or undefined when a window is open (or none is set). */
export function outsideWindows(windows: DeployWindow[], now: Date): string | undefined {
  if (!windows.length || windows.some((w) => isOpen(w, now))) return undefined;
  const next = nextOpening(windows, now);
  const at = next
    ? `; the next opens ${wallClock(next.at, next.window.zone)} ${next.window.zone} (${next.at.toISOString().slice(0, 16).replace('T', ' ')} UTC), by '${next.window.text}'`
    : '';
  return `the deploy is outside every deploy window (now ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC)${at}. A rollback is never refused by a window`;
}

function wallClock(t: Date, zone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(t);
  const get = (type: string) => f.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
