// The core of validate-config: finds the files, parses each with positions, validates configs against
// their schema and compose files against the Compose Specification and the project checks, looks for
// plaintext secrets, and returns every problem located on its file, line and column.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../report/Log.js';
import { checkComposeProject } from './ComposeProject.js';
import { findComposeCli, type ComposeCli, type Runner } from './DockerComposeConfig.js';
import { byPosition, type Finding } from './Finding.js';
import { expandGlobs, globToRegExp } from './Glob.js';
import { jsonSyntaxError } from './JsonSyntax.js';
import { SchemaFileError, SchemaLoader } from './SchemaLoader.js';
import { quickValue } from './QuickParse.js';
import {
  hasKeyedSecret,
  holdsSecrets,
  isEncrypted,
  isSecretFileName,
  plaintextSecretFile,
  scanDotenv,
  scanKeyedValues,
  scanTokens,
  secretNamedFiles,
} from './SecretScan.js';
import { dedupe, parseFindings, schemaFindings } from './SchemaFindings.js';
import { LineIndex, YamlSource } from './YamlSource.js';
import { checkSopsConfig, isSopsConfig, type SopsOpened } from './SopsValidation.js';

export interface SchemaMapEntry {
  pattern: string;
  schema: string;
}

export interface ValidateConfigSpec {
  /** Absolute; every path in inputs and findings is relative to it. */
  workspace: string;
  files: string[];
  schema?: string;
  schemaMap: SchemaMapEntry[];
  composeFiles: string[];
  requiredEnv: string[];
  forbidPlaintextSecrets: boolean;
  /** The variable a service must use as its image (the deploy sets it); '' turns the rule off. */
  imageVariable: string;
  /** Unprovided `${VAR}` are errors (true) or warnings, as Compose itself treats them (false). */
  requireVariables: boolean;
  /** KEY=VALUE settings of the `env` input: provided, with their values. */
  envValues: Record<string, string>;
  /** The step's environment, for required-env. */
  env: NodeJS.ProcessEnv;
  /** 'auto': run docker compose / docker-compose config when installed. */
  dockerCompose: 'auto' | 'off';
  /** For tests: how commands run. */
  run?: Runner;
  /** SOPS files opened with sops-age-key before the run (SopsValidation). */
  sopsOpened?: Map<string, SopsOpened>;
}

export type FileKind = 'config' | 'compose' | 'secrets';

export interface FileResult {
  file: string;
  kind: FileKind;
  /** The schema it was checked against; '' for none (syntax only). */
  schema: string;
  documents: number;
  findings: Finding[];
}

export interface ValidationReport {
  files: FileResult[];
  /** Problems with no file: inputs, required-env. */
  general: Finding[];
  /** Every finding, files' and general, sorted by file and position. */
  findings: Finding[];
  errorCount: number;
  warningCount: number;
  filesChecked: number;
  composeCli?: ComposeCli['variant'];
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readText(workspace: string, file: string): { text?: string; finding?: Finding } {
  try {
    return { text: readFileSync(join(workspace, file), 'utf8') };
  } catch (e) {
    return {
      finding: { rule: 'read', severity: 'error', file, message: `cannot read ${file}: ${(e as Error).message}` },
    };
  }
}

export class ConfigValidator {
  private readonly schemas: SchemaLoader;
  private readonly maps: { re: RegExp; schema: string }[];

  constructor(
    private readonly spec: ValidateConfigSpec,
    private readonly log: Log,
  ) {
    this.schemas = new SchemaLoader(spec.workspace);
    this.maps = spec.schemaMap.map((m) => ({ re: globToRegExp(m.pattern), schema: m.schema }));
  }

  private schemaFor(file: string): string {
    for (const m of this.maps) if (m.re.test(file)) return m.schema;
    return this.spec.schema ?? '';
  }

  run(): ValidationReport {
    const { spec } = this;
    const general: Finding[] = [];
    const results: FileResult[] = [];

    const configGlobs = expandGlobs([...spec.files, ...spec.schemaMap.map((m) => m.pattern)], spec.workspace);
    const composeGlobs = expandGlobs(spec.composeFiles, spec.workspace);
    const mapPatterns = new Set(spec.schemaMap.map((m) => m.pattern));
    for (const p of [...configGlobs.unmatched.filter((u) => !mapPatterns.has(u)), ...composeGlobs.unmatched]) {
      const input = spec.composeFiles.includes(p) ? 'compose-files' : 'files';
      const folder = isFolder(join(spec.workspace, p));
      const message = folder
        ? `${input}: '${p}' is a folder: give a glob such as ${p.replace(/\/+$/, '')}/**/*.yaml`
        : `${input}: '${p}' matches no file in the workspace`;
      general.push({ rule: 'input', severity: 'error', message });
    }

    for (const name of spec.requiredEnv) {
      if (!spec.env[name])
        general.push({
          rule: 'required-env',
          severity: 'error',
          message:
            `${name} is listed in required-env but is not set for this step: pass it with env: ` +
            `(e.g. ${name}: \${{ secrets.${name} }})`,
        });
    }

    const composeSet = new Set(composeGlobs.files);
    for (const file of configGlobs.files) results.push(this.checkConfig(file, composeSet.has(file)));
    const compose = checkComposeProject(
      {
        spec,
        log: this.log,
        read: (file) => readText(spec.workspace, file),
        scanSecrets: (file, text, src) => this.scanSecrets(file, text, src),
        composeCli: () => this.composeCli(),
      },
      composeGlobs.files,
    );
    results.push(...compose);

    if (spec.forbidPlaintextSecrets) {
      const checked = new Set(results.map((r) => r.file));
      for (const file of secretNamedFiles(spec.workspace)) {
        const inChecked = results.find((r) => r.file === file);
        const { text, finding } = readText(spec.workspace, file);
        const findings: Finding[] = [];
        if (finding) findings.push(finding);
        else if (text !== undefined && !isEncrypted(text)) {
          if (holdsSecrets(text)) findings.push(plaintextSecretFile(file));
          if (!checked.has(file))
            findings.push(
              ...this.scanSecrets(file, text, /\.(ya?ml|json)$/i.test(file) ? new YamlSource(text) : undefined),
            );
        }
        if (inChecked) inChecked.findings.unshift(...findings);
        else results.push({ file, kind: 'secrets', schema: '', documents: 0, findings });
      }
    }

    for (const r of results) r.findings = dedupe(r.findings).sort(byPosition);
    const findings = [...general, ...results.flatMap((r) => r.findings)].sort(byPosition);
    return {
      files: results,
      general,
      findings,
      errorCount: findings.filter((f) => f.severity === 'error').length,
      warningCount: findings.filter((f) => f.severity === 'warning').length,
      filesChecked: new Set(results.filter((r) => r.kind !== 'secrets').map((r) => r.file)).size,
      composeCli: this.cli?.variant,
    };
  }

  /** Token-looking values and secret-looking keyed values of any file. */
  private scanSecrets(file: string, text: string, src?: YamlSource): Finding[] {
    if (!this.spec.forbidPlaintextSecrets) return [];
    const lines = src?.lines ?? new LineIndex(text);
    const tokens = scanTokens(file, text, lines);
    const tokenLines = new Set(tokens.map((t) => t.span!.line));
    if (src) return [...tokens, ...scanKeyedValues(file, src, tokenLines)];
    if (/(^|\/)\.env(\.|$)|\.env$/.test(file) || /^\s*(export\s+)?[A-Za-z_]\w*=/m.test(text))
      return [...tokens, ...scanDotenv(file, text, lines, tokenLines)];
    return tokens;
  }

  private checkConfig(file: string, alsoCompose: boolean): FileResult {
    const schemaPath = this.schemaFor(file);
    const result: FileResult = { file, kind: 'config', schema: schemaPath, documents: 0, findings: [] };
    const { text, finding } = readText(this.spec.workspace, file);
    if (finding || text === undefined) {
      result.findings.push(finding!);
      return result;
    }
    if (isSopsConfig(file, text)) {
      result.documents = 1;
      result.findings.push(...checkSopsConfig(file, text, schemaPath, this.schemas, this.spec.sopsOpened?.get(file)));
      return result;
    }
    if (isSecretFileName(file) && isEncrypted(text)) {
      // Encrypted values would fail any schema; the encryption check is the one that matters.
      result.kind = 'secrets';
      result.schema = '';
      return result;
    }
    if (this.spec.forbidPlaintextSecrets && isSecretFileName(file) && holdsSecrets(text))
      result.findings.push(plaintextSecretFile(file));
    const json = /\.json$/i.test(file) ? jsonSyntaxError(text) : undefined;
    if (!json && this.quickCheck(file, text, schemaPath, alsoCompose, result)) return result;
    const src = new YamlSource(text);
    result.documents = src.docs.length;
    result.findings.push(...parseFindings(file, src));
    if (json && !src.problems.length) {
      const span = json.offset !== undefined ? src.lines.at(json.offset) : { line: 1, column: 1 };
      result.findings.push({
        rule: 'syntax',
        severity: 'error',
        file,
        span,
        message: `JSON syntax error: ${json.message}`,
      });
    }
    if (!alsoCompose) result.findings.push(...this.scanSecrets(file, text, src));
    if (json || src.problems.length || !schemaPath) return result;
    let schema;
    try {
      schema = this.schemas.load(schemaPath);
    } catch (e) {
      const err = e as SchemaFileError;
      result.findings.push({
        rule: 'schema-file',
        severity: 'error',
        file: err.file ?? schemaPath,
        span: err.span,
        message: `${err.message} (used for ${file})`,
      });
      return result;
    }
    result.findings.push(
      ...schemaFindings(
        file,
        src,
        src.values(),
        (v) => schema.validate(v),
        () => schema.validate.errors,
        'schema',
      ),
    );
    return result;
  }

  /**
   * The fast path: a plain single-document file that passes its schema and holds no secret-looking
   * value is done without building a document with positions. Returns false to take the full path.
   */
  private quickCheck(
    file: string,
    text: string,
    schemaPath: string,
    alsoCompose: boolean,
    result: FileResult,
  ): boolean {
    const quick = quickValue(text);
    if (!quick) return false;
    let validate: ((v: unknown) => boolean) | undefined;
    if (schemaPath) {
      try {
        validate = this.schemas.load(schemaPath).validate;
      } catch {
        return false; // the full path reports the schema's problem
      }
    }
    if (validate && !validate(quick.value)) return false;
    if (this.spec.forbidPlaintextSecrets && !alsoCompose) {
      const tokens = scanTokens(file, text, new LineIndex(text));
      if (hasKeyedSecret(quick.value)) return false;
      result.findings.push(...tokens);
    }
    result.documents = 1;
    return true;
  }

  private cliChecked = false;
  private cli: ComposeCli | undefined;

  private composeCli(): ComposeCli | undefined {
    if (!this.cliChecked) {
      this.cliChecked = true;
      if (this.spec.dockerCompose === 'auto') this.cli = findComposeCli(this.spec.run, this.spec.env);
      this.log.debug(`compose CLI: ${this.cli ? this.cli.command.join(' ') : 'none'}`);
    }
    return this.cli;
  }
}

export function validateConfigs(spec: ValidateConfigSpec, log: Log): ValidationReport {
  return new ConfigValidator(spec, log).run();
}
