import { Node } from 'constructs';

/** Default names of the Secrets Manager secrets the tasks read at start-up. */
export const DEFAULT_GOOGLE_CLIENT_SECRET_NAME = 'mcp-gateway/google-client-secret';
export const DEFAULT_SESSION_SECRET_NAME = 'mcp-gateway/session-secret';
/** The gateway's own default table name (DYNAMODB_TABLE_NAME). */
export const DEFAULT_TABLE_NAME = 'mcp-gateway-sessions';
export const KMS_ALIAS = 'alias/mcp-gateway';

/**
 * Timing settings shared by the gateway, the task definition and the load
 * balancer. They are tied together (see `checkTimings`).
 */
export interface Timings {
  /** SHUTDOWN_DRAIN_SECONDS: how long the gateway drains after SIGTERM. */
  readonly shutdownDrainSeconds: number;
  /** SSE_KEEP_ALIVE_SECONDS: interval of keep-alives on open SSE streams. */
  readonly sseKeepAliveSeconds: number;
  /** TOOL_TIMEOUT_SECONDS: the longest a tool call may take. */
  readonly toolTimeoutSeconds: number;
  /** ALB idle timeout: above both the keep-alive interval and the tool timeout. */
  readonly idleTimeoutSeconds: number;
  /** Target group deregistration delay: at least the drain time. */
  readonly deregistrationDelaySeconds: number;
  /** Container stop timeout (SIGTERM to SIGKILL): above the drain time. */
  readonly stopTimeoutSeconds: number;
}

export const DEFAULT_TIMINGS: Timings = {
  shutdownDrainSeconds: 25,
  sseKeepAliveSeconds: 15,
  toolTimeoutSeconds: 120,
  idleTimeoutSeconds: 180,
  deregistrationDelaySeconds: 30,
  stopTimeoutSeconds: 30,
};

/** Everything the stack needs to know about one deployment. */
export interface GatewayConfig {
  /** Public subnets only: no NAT gateway, tasks get public IP addresses. */
  readonly publicSubnetsOnly: boolean;
  /** Host name users reach the gateway at (e.g. mcp.example.com). */
  readonly domainName?: string;
  /** Route 53 hosted zone for `domainName`: a DNS-validated certificate and an alias record are created. */
  readonly hostedZoneId?: string;
  readonly hostedZoneName?: string;
  /** Existing ACM certificate for `domainName` (same region as the stack). */
  readonly certificateArn?: string;
  readonly googleClientId: string;
  /** Comma-separated Google Workspace domains allowed to sign in. */
  readonly allowedDomain: string;
  /** Name or ARN of the Secrets Manager secret holding GOOGLE_CLIENT_SECRET. */
  readonly googleClientSecretName: string;
  /** Name or ARN of the Secrets Manager secret holding SESSION_SECRET. */
  readonly sessionSecretName: string;
  /** Name or ARN of an existing table to use instead of creating one. */
  readonly existingTableName?: string;
  /** Name of the table the stack creates when no existing table is given. */
  readonly tableName: string;
  /** ARN of an existing KMS key to use instead of creating one. */
  readonly kmsKeyArn?: string;
  /** LOG_LEVEL; unset leaves the gateway's own default. */
  readonly logLevel?: string;
  readonly desiredCount: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly timings: Timings;
}

/** Context keys that would put a secret value into cdk.json, cdk.context.json or the template. */
const FORBIDDEN_SECRET_KEYS = ['googleClientSecret', 'sessionSecret', 'GOOGLE_CLIENT_SECRET', 'SESSION_SECRET'];

export class ConfigError extends Error {}

function str(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigError(`context key "${key}" must be a string`);
  return value.trim();
}

function bool(node: Node, key: string): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`context key "${key}" must be true or false, got ${JSON.stringify(value)}`);
}

function int(node: Node, key: string, fallback: number): number {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new ConfigError(`context key "${key}" must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/**
 * Checks the relations between the timing settings, so that a change to one
 * of them cannot silently break long tool calls, SSE streams or draining.
 */
export function checkTimings(t: Timings): void {
  if (t.idleTimeoutSeconds <= t.toolTimeoutSeconds || t.idleTimeoutSeconds <= t.sseKeepAliveSeconds) {
    throw new ConfigError(
      `ALB idle timeout (${t.idleTimeoutSeconds}s) must exceed TOOL_TIMEOUT_SECONDS (${t.toolTimeoutSeconds}s) and SSE_KEEP_ALIVE_SECONDS (${t.sseKeepAliveSeconds}s)`,
    );
  }
  if (t.deregistrationDelaySeconds < t.shutdownDrainSeconds) {
    throw new ConfigError(
      `deregistration delay (${t.deregistrationDelaySeconds}s) must be at least SHUTDOWN_DRAIN_SECONDS (${t.shutdownDrainSeconds}s)`,
    );
  }
  if (t.stopTimeoutSeconds <= t.shutdownDrainSeconds || t.stopTimeoutSeconds > 120) {
    throw new ConfigError(
      `container stop timeout (${t.stopTimeoutSeconds}s) must exceed SHUTDOWN_DRAIN_SECONDS (${t.shutdownDrainSeconds}s) and be at most 120s (Fargate limit)`,
    );
  }
  if (t.idleTimeoutSeconds > 4000) throw new ConfigError('ALB idle timeout is at most 4000s');
}

/** Reads and validates the deployment settings from CDK context (cdk.json, cdk.context.json, `-c key=value`). */
export function configFromContext(node: Node): GatewayConfig {
  for (const key of FORBIDDEN_SECRET_KEYS) {
    if (node.tryGetContext(key) !== undefined) {
      throw new ConfigError(
        `context key "${key}" would put a secret into the cloud assembly: store it in Secrets Manager and pass its name (googleClientSecretName / sessionSecretName)`,
      );
    }
  }

  const toolTimeoutSeconds = int(node, 'toolTimeoutSeconds', DEFAULT_TIMINGS.toolTimeoutSeconds);
  const shutdownDrainSeconds = int(node, 'shutdownDrainSeconds', DEFAULT_TIMINGS.shutdownDrainSeconds);
  const timings: Timings = {
    ...DEFAULT_TIMINGS,
    toolTimeoutSeconds,
    shutdownDrainSeconds,
    sseKeepAliveSeconds: int(node, 'sseKeepAliveSeconds', DEFAULT_TIMINGS.sseKeepAliveSeconds),
    idleTimeoutSeconds: Math.max(DEFAULT_TIMINGS.idleTimeoutSeconds, toolTimeoutSeconds + 60),
    deregistrationDelaySeconds: Math.max(DEFAULT_TIMINGS.deregistrationDelaySeconds, shutdownDrainSeconds + 5),
    stopTimeoutSeconds: Math.max(DEFAULT_TIMINGS.stopTimeoutSeconds, shutdownDrainSeconds + 5),
  };
  checkTimings(timings);

  const config: GatewayConfig = {
    publicSubnetsOnly: bool(node, 'publicSubnetsOnly'),
    domainName: str(node, 'domainName'),
    hostedZoneId: str(node, 'hostedZoneId'),
    hostedZoneName: str(node, 'hostedZoneName'),
    certificateArn: str(node, 'certificateArn'),
    googleClientId: str(node, 'googleClientId') ?? '',
    allowedDomain: str(node, 'allowedDomain') ?? '',
    googleClientSecretName: str(node, 'googleClientSecretName') ?? DEFAULT_GOOGLE_CLIENT_SECRET_NAME,
    sessionSecretName: str(node, 'sessionSecretName') ?? DEFAULT_SESSION_SECRET_NAME,
    existingTableName: str(node, 'existingTableName'),
    tableName: str(node, 'tableName') ?? DEFAULT_TABLE_NAME,
    kmsKeyArn: str(node, 'kmsKeyArn'),
    logLevel: str(node, 'logLevel'),
    desiredCount: int(node, 'desiredCount', 1),
    minCapacity: int(node, 'minCapacity', 1),
    maxCapacity: int(node, 'maxCapacity', 3),
    timings,
  };

  if (Boolean(config.hostedZoneId) !== Boolean(config.hostedZoneName)) {
    throw new ConfigError('hostedZoneId and hostedZoneName go together');
  }
  if (config.certificateArn && !config.domainName) {
    throw new ConfigError('certificateArn needs domainName (the host name on the certificate)');
  }
  if (config.domainName && !config.certificateArn && !(config.hostedZoneId && config.hostedZoneName)) {
    throw new ConfigError('domainName needs either certificateArn or hostedZoneId + hostedZoneName');
  }
  if (config.hostedZoneId && !config.domainName) {
    throw new ConfigError('hostedZoneId needs domainName');
  }
  if (config.kmsKeyArn && !config.kmsKeyArn.startsWith('arn:')) {
    throw new ConfigError('kmsKeyArn must be a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)');
  }
  if (config.minCapacity < 1 || config.maxCapacity < config.minCapacity) {
    throw new ConfigError(`need 1 <= minCapacity (${config.minCapacity}) <= maxCapacity (${config.maxCapacity})`);
  }
  if (config.desiredCount < config.minCapacity || config.desiredCount > config.maxCapacity) {
    throw new ConfigError(`desiredCount (${config.desiredCount}) must lie within minCapacity..maxCapacity`);
  }
  return config;
}
