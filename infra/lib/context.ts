import * as fs from 'node:fs';
import * as path from 'node:path';
import { Node } from 'constructs';
import {
  ConfigError,
  CpuArchitecture,
  DEFAULT_STACK_NAME,
  DEFAULT_TIMINGS,
  GatewayConfig,
  PolicySource,
  SSM_ADVANCED_MAX_BYTES,
  Timings,
  checkTimings,
  fargateSizeError,
} from './config';

/** Context keys that would put a secret value into cdk.json, cdk.context.json or the template. */
const FORBIDDEN_SECRET_KEYS = ['googleClientSecret', 'sessionSecret', 'GOOGLE_CLIENT_SECRET', 'SESSION_SECRET'];

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const GOOGLE_CLIENT_ID = /^[0-9]+-[a-z0-9]+\.apps\.googleusercontent\.com$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,32}$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
// An SSM parameter name: one name, or a path of up to 15 levels from the root.
const SSM_PARAMETER_NAME = /^(?=.{1,950}$)(?:[A-Za-z0-9_.-]+|(?:\/[A-Za-z0-9_.-]+){1,15})$/;
const EMAIL = /^[^@\s,;]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Reads context values, collecting every problem so that one error names them all. */
class ContextReader {
  readonly problems: string[] = [];

  constructor(private readonly node: Node) {}

  private raw(key: string): unknown {
    const value: unknown = this.node.tryGetContext(key);
    return value === null || value === '' ? undefined : value;
  }

  problem(key: string, message: string): void {
    this.problems.push(`${key}: ${message}`);
  }

  str(key: string, rule?: { pattern: RegExp; expected: string }): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problem(key, `must be a string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    const trimmed = value.trim();
    if (rule && !rule.pattern.test(trimmed)) {
      this.problem(key, `${JSON.stringify(value)} is not ${rule.expected}`);
      return undefined;
    }
    return trimmed;
  }

  required(key: string, what: string, rule?: { pattern: RegExp; expected: string }): string {
    if (this.raw(key) === undefined) {
      this.problem(key, `missing: ${what} (-c ${key}=...)`);
      return '';
    }
    return this.str(key, rule) ?? '';
  }

  bool(key: string, fallback = false): boolean {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    this.problem(key, `must be true or false, got ${JSON.stringify(value)}`);
    return fallback;
  }

  int(key: string, fallback: number): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(parsed) || parsed < 0) {
      this.problem(key, `must be a non-negative integer, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.problem(key, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    return fallback;
  }

  /** An ARN of `service` whose region must be `region` (same-region resources only). */
  arn(key: string, service: string, resource: RegExp, region: string): string | undefined {
    const value = this.str(key);
    if (value === undefined) return undefined;
    const m = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}):(.+)$/.exec(value);
    if (!m || m[1] !== service || !resource.test(m[4]!)) {
      this.problem(key, `${JSON.stringify(value)} is not a ${service} ARN (arn:aws:${service}:REGION:ACCOUNT:${resource.source.replace(/^\^|\$$/g, '')})`);
      return undefined;
    }
    if (m[2] !== region) {
      this.problem(key, `${JSON.stringify(value)} is in region ${m[2]}, the stack deploys to ${region}`);
      return undefined;
    }
    return value;
  }
}

/** A Secrets Manager secret name, or its complete ARN in the stack's region. */
function secretName(r: ContextReader, key: string, region: string): string {
  const value = r.required(key, 'name or ARN of the Secrets Manager secret (create it first, see infra/README.md)');
  if (!value) return '';
  if (value.startsWith('arn:')) return r.arn(key, 'secretsmanager', /^secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/, region) ?? '';
  if (!SECRET_NAME.test(value)) {
    r.problem(key, `${JSON.stringify(value)} is not a secret name (letters, digits and /_+=.@-)`);
    return '';
  }
  return value;
}

/** The directory `policyFile` is relative to: infra/. */
const INFRA_DIR = path.resolve(__dirname, '..');

/**
 * The company policy: `policyFile` (a TOML file read now, at synth, into a
 * parameter the stack creates) or `policyParameter` (an existing SSM String
 * parameter), not both; undefined when neither is set.
 */
function policySource(r: ContextReader): PolicySource | undefined {
  const file = r.str('policyFile');
  const parameterName = r.str('policyParameter', {
    pattern: SSM_PARAMETER_NAME,
    expected: 'an SSM parameter name (letters, digits and _.-, a path like /mcp-gateway/policy starting with /, at most 15 levels)',
  });
  if (file !== undefined && parameterName !== undefined) {
    r.problem('policyFile/policyParameter', 'pass one of them: policyFile puts the file into a parameter the stack creates, policyParameter names one you manage');
    return undefined;
  }
  if (parameterName !== undefined) {
    if (/^\/?(aws|ssm)/i.test(parameterName)) {
      r.problem('policyParameter', `${JSON.stringify(parameterName)}: SSM reserves names starting with aws or ssm`);
      return undefined;
    }
    return { kind: 'parameter', parameterName };
  }
  if (file === undefined) return undefined;

  const resolved = path.resolve(INFRA_DIR, file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(resolved);
  } catch (e) {
    r.problem('policyFile', `cannot read ${resolved} (a path relative to infra/ or absolute): ${(e as Error).message}`);
    return undefined;
  }
  if (bytes.length === 0) {
    r.problem('policyFile', `${resolved} is empty (SSM holds no empty value; leave policyFile unset for no policy)`);
    return undefined;
  }
  if (bytes.length > SSM_ADVANCED_MAX_BYTES) {
    r.problem(
      'policyFile',
      `${resolved} has ${bytes.length} bytes, above the ${SSM_ADVANCED_MAX_BYTES} bytes one SSM parameter can hold (advanced tier), ` +
        'and so above what policyParameter can deliver as well: shorten the policy (comments, blank lines, repeated lists)',
    );
    return undefined;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    r.problem('policyFile', `${resolved} is not UTF-8 text`);
    return undefined;
  }
  if (text.includes('{{resolve:')) {
    r.problem('policyFile', `${resolved} contains "{{resolve:", which CloudFormation would take for a dynamic reference`);
    return undefined;
  }
  return { kind: 'file', path: resolved, text };
}

/**
 * Reads and validates the deployment settings from CDK context (cdk.json,
 * cdk.context.json, `-c key=value`). Every problem is collected, and one
 * ConfigError names each key that is missing or of the wrong shape, so that
 * `cdk synth` refuses a deployment that would only fail (or roll back) later.
 */
export function configFromContext(node: Node, region: string): GatewayConfig {
  const r = new ContextReader(node);
  for (const key of FORBIDDEN_SECRET_KEYS) {
    if (node.tryGetContext(key) !== undefined) {
      r.problem(key, 'would put a secret into the cloud assembly: store it in Secrets Manager and pass its name (googleClientSecretName / sessionSecretName)');
    }
  }
  if (!REGION.test(region)) r.problem('region', `${JSON.stringify(region)} is not an AWS region (e.g. eu-west-1)`);

  const host = { pattern: HOST, expected: 'a host name (no scheme, path or port; lower case), e.g. mcp.example.com' };
  const allowedDomain = r.required('allowedDomain', 'the Workspace domain(s) allowed to sign in, comma-separated');
  if (allowedDomain) {
    for (const d of allowedDomain.split(',').map((x) => x.trim())) {
      if (!HOST.test(d)) r.problem('allowedDomain', `${JSON.stringify(d)} is not a domain (no scheme, path or @; lower case), e.g. example.com`);
    }
  }

  const toolTimeoutSeconds = r.int('toolTimeoutSeconds', DEFAULT_TIMINGS.toolTimeoutSeconds);
  const shutdownDrainSeconds = r.int('shutdownDrainSeconds', DEFAULT_TIMINGS.shutdownDrainSeconds);
  const timings: Timings = {
    ...DEFAULT_TIMINGS,
    toolTimeoutSeconds,
    shutdownDrainSeconds,
    sseKeepAliveSeconds: r.int('sseKeepAliveSeconds', DEFAULT_TIMINGS.sseKeepAliveSeconds),
    idleTimeoutSeconds: Math.max(DEFAULT_TIMINGS.idleTimeoutSeconds, toolTimeoutSeconds + 60),
    deregistrationDelaySeconds: Math.max(DEFAULT_TIMINGS.deregistrationDelaySeconds, shutdownDrainSeconds + 5),
    stopTimeoutSeconds: Math.max(DEFAULT_TIMINGS.stopTimeoutSeconds, shutdownDrainSeconds + 5),
  };
  try {
    checkTimings(timings);
  } catch (e) {
    r.problem('toolTimeoutSeconds/shutdownDrainSeconds/sseKeepAliveSeconds', (e as Error).message);
  }

  const config: GatewayConfig = {
    stackName: r.str('stackName', { pattern: STACK_NAME, expected: 'a stack name (a letter, then letters, digits and hyphens, at most 128)' }) ?? DEFAULT_STACK_NAME,
    region,
    publicSubnetsOnly: r.bool('publicSubnetsOnly'),
    interfaceEndpoints: r.bool('interfaceEndpoints'),
    containerInsights: r.bool('containerInsights', true),
    cpuArchitecture: r.oneOf<CpuArchitecture>('cpuArchitecture', ['x86_64', 'arm64'], 'x86_64'),
    taskCpu: r.int('taskCpu', 512),
    taskMemoryMiB: r.int('taskMemoryMiB', 1024),
    domainName: r.str('domainName', host),
    hostedZoneId: r.str('hostedZoneId', { pattern: HOSTED_ZONE_ID, expected: 'a Route 53 hosted zone id (Z followed by capitals and digits)' }),
    hostedZoneName: r.str('hostedZoneName', host),
    certificateArn: r.arn('certificateArn', 'acm', /^certificate\/[0-9a-f-]{36}$/, region),
    googleClientId: r.required('googleClientId', 'the OAuth client ID of the Google Cloud project', {
      pattern: GOOGLE_CLIENT_ID,
      expected: 'a Google OAuth client ID (NUMBER-ID.apps.googleusercontent.com)',
    }),
    allowedDomain,
    googleClientSecretName: secretName(r, 'googleClientSecretName', region),
    sessionSecretName: secretName(r, 'sessionSecretName', region),
    existingTableName: r.str('existingTableName')?.startsWith('arn:')
      ? r.arn('existingTableName', 'dynamodb', /^table\/[A-Za-z0-9_.-]{3,255}$/, region)
      : r.str('existingTableName', { pattern: TABLE_NAME, expected: 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -) or table ARN' }),
    tableName: r.str('tableName', { pattern: TABLE_NAME, expected: 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)' }),
    tableDeletionProtection: r.bool('tableDeletionProtection'),
    kmsKeyArn: r.arn('kmsKeyArn', 'kms', /^key\/[0-9a-f-]{36}$|^key\/mrk-[0-9a-f]{32}$/, region),
    logLevel: r.str('logLevel'),
    desiredCount: r.int('desiredCount', 1),
    minCapacity: r.int('minCapacity', 1),
    maxCapacity: r.int('maxCapacity', 3),
    alarmEmail: r.str('alarmEmail', { pattern: EMAIL, expected: 'one e-mail address, e.g. ops@example.com' }),
    policy: policySource(r),
    timings,
  };

  const size = fargateSizeError(config.taskCpu, config.taskMemoryMiB);
  if (size) r.problem('taskCpu/taskMemoryMiB', size);
  if (Boolean(config.hostedZoneId) !== Boolean(config.hostedZoneName)) r.problem('hostedZoneId/hostedZoneName', 'go together');
  if (config.certificateArn && !config.domainName) r.problem('certificateArn', 'needs domainName (the host name on the certificate)');
  if (config.domainName && !config.certificateArn && !(config.hostedZoneId && config.hostedZoneName)) {
    r.problem('domainName', 'needs either certificateArn or hostedZoneId + hostedZoneName');
  }
  if (config.hostedZoneId && !config.domainName) r.problem('hostedZoneId', 'needs domainName');
  if (config.domainName && config.hostedZoneName && !`.${config.domainName}`.endsWith(`.${config.hostedZoneName}`)) {
    r.problem('domainName', `${config.domainName} is not in the hosted zone ${config.hostedZoneName}`);
  }
  if (config.existingTableName && config.tableName) r.problem('tableName', 'names a table to create, but existingTableName uses an existing one: pass one of them');
  if (config.minCapacity < 1 || config.maxCapacity < config.minCapacity) {
    r.problem('minCapacity/maxCapacity', `need 1 <= minCapacity (${config.minCapacity}) <= maxCapacity (${config.maxCapacity})`);
  } else if (config.desiredCount < config.minCapacity || config.desiredCount > config.maxCapacity) {
    r.problem('desiredCount', `${config.desiredCount} must lie within minCapacity..maxCapacity (${config.minCapacity}..${config.maxCapacity})`);
  }

  if (r.problems.length > 0) {
    throw new ConfigError(`invalid deployment context (nothing was synthesized):\n  - ${r.problems.join('\n  - ')}`);
  }
  return config;
}
