/** The stack's name unless context `stackName` gives another (one per stage: staging, production). */
export const DEFAULT_STACK_NAME = 'McpGatewayStack';

export type CpuArchitecture = 'x86_64' | 'arm64';

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

/** SSM's limit on a standard parameter's value; a longer policy takes the advanced tier. */
export const SSM_STANDARD_MAX_BYTES = 4096;
/** SSM's limit on an advanced parameter's value: the largest policy `policyFile` can deliver. */
export const SSM_ADVANCED_MAX_BYTES = 8192;

/**
 * Where the company policy (POLICY_FILE) of every task comes from: a file read
 * at synth time into a parameter the stack creates, or an existing SSM String
 * parameter that operators change with `aws ssm put-parameter --overwrite`.
 */
export type PolicySource =
  | { readonly kind: 'file'; readonly path: string; readonly text: string }
  | { readonly kind: 'parameter'; readonly parameterName: string };

/** Everything the stack needs to know about one deployment. */
export interface GatewayConfig {
  /** CloudFormation stack name; the names of the stack's resources derive from it. */
  readonly stackName: string;
  readonly region: string;
  /** Public subnets only: no NAT gateway, tasks get public IP addresses. */
  readonly publicSubnetsOnly: boolean;
  /** KMS and Secrets Manager interface endpoints in the task subnets (cost: see infra/README.md). */
  readonly interfaceEndpoints: boolean;
  /** CloudWatch Container Insights on the cluster (~$7.75 a month for one task). */
  readonly containerInsights: boolean;
  /** x86_64, or arm64 (Graviton: about 20 % cheaper per vCPU-hour). */
  readonly cpuArchitecture: CpuArchitecture;
  /** Fargate task size: CPU units (1024 = 1 vCPU) and memory. */
  readonly taskCpu: number;
  readonly taskMemoryMiB: number;
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
  /** Name of the table the stack creates; unset lets CloudFormation name it after the stack. */
  readonly tableName?: string;
  /** DynamoDB deletion protection on the created table (off by default so that a failed first create can roll back). */
  readonly tableDeletionProtection: boolean;
  /** ARN of an existing KMS key to use instead of creating one. */
  readonly kmsKeyArn?: string;
  /** LOG_LEVEL; unset leaves the gateway's own default. */
  readonly logLevel?: string;
  readonly desiredCount: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** E-mail address subscribed to the alarm topic (the recipient confirms the subscription). */
  readonly alarmEmail?: string;
  /** The company policy delivered to every task (context `policyFile` or `policyParameter`); none without. */
  readonly policy?: PolicySource;
  readonly timings: Timings;
}

export class ConfigError extends Error {}

/** Fargate's CPU/memory combinations; returns why a pair is not one, or undefined. */
export function fargateSizeError(cpu: number, memoryMiB: number): string | undefined {
  const gib = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => (from + i) * 1024);
  const sizes: Record<number, number[]> = {
    256: [512, 1024, 2048],
    512: gib(1, 4),
    1024: gib(2, 8),
    2048: gib(4, 16),
    4096: gib(8, 30),
  };
  const allowed = sizes[cpu];
  if (!allowed) return `taskCpu ${cpu} is not a Fargate size (256, 512, 1024, 2048 or 4096)`;
  if (!allowed.includes(memoryMiB)) return `taskMemoryMiB ${memoryMiB} does not go with taskCpu ${cpu} (one of ${allowed.join(', ')})`;
  return undefined;
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
