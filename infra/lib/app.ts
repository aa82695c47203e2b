import { App, Environment } from 'aws-cdk-lib';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { configFromContext } from './context';
import { McpGatewayStack } from './fargate-stack';

/**
 * The deployment environment. The region comes from context (`region`), the
 * CLI's profile (CDK_DEFAULT_REGION) or defaults to us-east-1; the account from
 * context (`account`) or the CLI's credentials. Without an account the stack
 * picks its two availability zones at deploy time (Fn::GetAZs), so that
 * `cdk synth` works offline without credentials.
 */
export function environmentFromContext(app: App): Environment & { region: string } {
  const region = (app.node.tryGetContext('region') as string | undefined) ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1';
  const account = (app.node.tryGetContext('account') as string | undefined) ?? process.env.CDK_DEFAULT_ACCOUNT;
  return account ? { account, region } : { region };
}

/** Adds the gateway stack to `app`; `image` replaces the Dockerfile asset (tests). */
export function buildApp(app: App, image?: ContainerImage): McpGatewayStack {
  const env = environmentFromContext(app);
  const config = configFromContext(app.node, env.region);
  return new McpGatewayStack(app, config.stackName, {
    env,
    description: 'MCP gateway for Google Workspace on ECS Fargate',
    config,
    ...(image ? { image } : {}),
  });
}
