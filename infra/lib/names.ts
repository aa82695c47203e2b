import { DEFAULT_STACK_NAME } from './config';

/** Names of the resources that carry a fixed name, per stack. */
export interface ResourceNames {
  readonly cluster: string;
  readonly logGroup: string;
  readonly keyAlias: string;
  /** Name of the dashboard and prefix of the alarm names. */
  readonly monitoring: string;
  /** Table name; undefined lets CloudFormation generate one from the stack's name. */
  readonly table?: string;
}

/**
 * The default stack keeps the names it always had (so an existing deployment
 * keeps its table and scripts/verify-deployment.sh its defaults); any other
 * stack name (e.g. McpGatewayStaging) derives every name from itself, so that
 * several stacks fit one account and region.
 */
export function resourceNames(stackName: string, tableName?: string): ResourceNames {
  if (stackName === DEFAULT_STACK_NAME) {
    return { cluster: 'McpGatewayCluster', logGroup: '/ecs/mcp-gateway', keyAlias: 'alias/mcp-gateway', monitoring: 'McpGateway', table: tableName ?? 'mcp-gateway-sessions' };
  }
  return { cluster: `${stackName}-cluster`, logGroup: `/ecs/${stackName}`, keyAlias: `alias/${stackName}`, monitoring: stackName, ...(tableName ? { table: tableName } : {}) };
}
