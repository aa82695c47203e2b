import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { buildApp } from '../lib/app';
import { McpGatewayStack } from '../lib/fargate-stack';

/** The feature flags and settings of cdk.json, so tests synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'),
).context;

/** Context of a typical deployment, without TLS. */
export const BASE_CONTEXT: Record<string, unknown> = {
  googleClientId: '1234567890-test.apps.googleusercontent.com',
  allowedDomain: 'example.com',
  googleClientSecretName: 'mcp-gateway/google-client-secret',
  sessionSecretName: 'mcp-gateway/session-secret',
};

export const TEST_IMAGE = 'public.ecr.aws/docker/library/busybox:stable';

export interface Synth {
  app: App;
  stack: McpGatewayStack;
  template: Template;
  json: Record<string, any>;
}

/**
 * Synthesizes the gateway stack with `context` on top of BASE_CONTEXT. A
 * registry image stands in for the Dockerfile asset unless `withAsset`.
 */
export function synth(context: Record<string, unknown> = {}, withAsset = false): Synth {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT, ...context } });
  const stack = buildApp(app, withAsset ? undefined : ContainerImage.fromRegistry(TEST_IMAGE));
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as Record<string, any> };
}

export function resourcesOfType(json: Record<string, any>, type: string): Array<[string, any]> {
  return Object.entries(json.Resources as Record<string, any>).filter(([, r]) => r.Type === type);
}

export function onlyResource(json: Record<string, any>, type: string): any {
  const found = resourcesOfType(json, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]![1];
}

/** The gateway container's definition. */
export function container(json: Record<string, any>): any {
  const defs = onlyResource(json, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as any[];
  const gateway = defs.find((d) => d.Name === 'gateway');
  if (!gateway) throw new Error('no gateway container');
  return gateway;
}

export function environment(json: Record<string, any>): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  for (const e of container(json).Environment as Array<{ Name: string; Value: unknown }>) env[e.Name] = e.Value;
  return env;
}

/** Target group attributes as a map. */
export function targetGroupAttributes(json: Record<string, any>): Record<string, string> {
  const tg = onlyResource(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
  const attrs: Record<string, string> = {};
  for (const a of tg.Properties.TargetGroupAttributes as Array<{ Key: string; Value: string }>) attrs[a.Key] = a.Value;
  return attrs;
}

export function loadBalancerAttributes(json: Record<string, any>): Record<string, string> {
  const lb = onlyResource(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  const attrs: Record<string, string> = {};
  for (const a of lb.Properties.LoadBalancerAttributes as Array<{ Key: string; Value: string }>) attrs[a.Key] = a.Value;
  return attrs;
}

/** The stack's one Docker image asset: its staged context directory, Dockerfile and platform. */
export function imageAsset(app: App, stackName: string): { directory: string; dockerFile?: string; platform?: string } {
  const assembly = app.synth();
  const manifest = assembly.artifacts.find((a) => a.id === `${stackName}.assets`) as unknown as {
    contents: { dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }> };
  };
  const images = Object.values(manifest.contents.dockerImages);
  if (images.length !== 1) throw new Error(`expected one image asset, found ${images.length}`);
  const { source } = images[0]!;
  return { ...source, directory: path.join(assembly.directory, source.directory) };
}
