import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { buildApp } from '../lib/app';
import { BASE_CONTEXT, CDK_JSON_CONTEXT } from './helpers';

const VARIANTS: Record<string, Record<string, unknown>> = {
  default: {},
  'public subnets only': { publicSubnetsOnly: true },
  'low cost: public subnets, Graviton, 0.25 vCPU': { publicSubnetsOnly: 'true', cpuArchitecture: 'arm64', taskCpu: '256', taskMemoryMiB: '512', containerInsights: 'false' },
  'interface endpoints': { interfaceEndpoints: 'true' },
  'second stack': { stackName: 'McpGatewayStaging' },
  'TLS with an existing certificate': {
    domainName: 'mcp.example.com',
    certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
  },
  'TLS with a hosted zone': { domainName: 'mcp.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' },
  'existing table and key': {
    existingTableName: 'existing-gateway-table',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  },
  'policy from a file (policy-sync sidecar)': { policyFile: 'test/fixtures/policy.toml' },
  'policy from an existing parameter, low cost': { policyParameter: '/mcp-gateway/policy', publicSubnetsOnly: 'true', cpuArchitecture: 'arm64', taskCpu: '256', taskMemoryMiB: '512' },
};

interface Violation {
  ruleName: string;
  severity: string;
  description: string;
  violatingConstructs: Array<{ constructPath: string }>;
}

interface Ack {
  path: string;
  id: string;
  reason: string;
}

interface NagRun {
  app: App;
  violations: Violation[];
  error?: unknown;
}

/**
 * Synthesizes one variant under the AwsSolutions pack and returns the
 * violations it reported. With `record`, the stack's acknowledgements are
 * recorded there instead of applied, so that every finding they would hide shows.
 */
function nag(context: Record<string, unknown>, record?: Ack[]): NagRun {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT, ...context } });
  const original = Validations.prototype.acknowledge;
  if (record) {
    Validations.prototype.acknowledge = function (this: Validations, ...acks: Array<{ id: string; reason: string }>) {
      const scope = (this as unknown as { scope: IConstruct }).scope;
      for (const a of acks) record.push({ path: scope.node.path, id: a.id, reason: a.reason });
    };
  }
  try {
    // The image asset, as `cdk synth` has it: its ECR pull permissions draw findings a registry image would not.
    buildApp(app);
  } finally {
    Validations.prototype.acknowledge = original;
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  const reportPath = path.join(app.outdir, 'validation-report.json');
  // cdk-nag always writes its report; a missing one would make every check below vacuous.
  assert.ok(fs.existsSync(reportPath), `no validation report at ${reportPath}`);
  const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
  const violations: Violation[] = report.pluginReports
    .filter((r: { pluginName: string }) => r.pluginName !== 'Construct Annotations')
    .flatMap((r: { violations: Violation[] }) => r.violations);
  return { app, violations, error };
}

/** The id an acknowledgement names, without the prefix CDK stores it under: `AwsSolutions-IAM5[Resource::*]`. */
const ruleOf = (id: string): string => id.replace(/^(Annotation|AwsSolutions)::/, '');

/**
 * A finding (`rule` as reported, with its `[finding]` suffix if any) is covered
 * by an acknowledgement of that rule, or of that exact finding, on its
 * construct or one of its parents.
 */
const covers = (ack: Ack, rule: string, constructPath: string): boolean => {
  const id = ruleOf(ack.id);
  const sameRule = id === rule || (!id.includes('[') && rule.replace(/\[.*\]$/, '') === id);
  return sameRule && (constructPath === ack.path || constructPath.startsWith(`${ack.path}/`));
};

/**
 * Compares the acknowledgements with what fires without them: `needless` lists
 * acknowledgements that hide nothing, `uncovered` the errors none of them hides.
 */
function auditAcknowledgements(acks: Ack[], violations: Violation[]): { needless: string[]; uncovered: string[] } {
  const nagAcks = acks.filter((a) => ruleOf(a.id).startsWith('AwsSolutions-'));
  const findings = violations.flatMap((v) => v.violatingConstructs.map((c) => ({ rule: v.ruleName, path: c.constructPath, severity: v.severity })));
  return {
    needless: nagAcks.filter((a) => !findings.some((f) => covers(a, f.rule, f.path))).map((a) => `${a.id} at ${a.path}`),
    uncovered: findings
      .filter((f) => f.severity === 'error' && !nagAcks.some((a) => covers(a, f.rule, f.path)))
      .map((f) => `${f.rule} at ${f.path}`),
  };
}

describe('cdk-nag AwsSolutions', () => {
  for (const [name, context] of Object.entries(VARIANTS)) {
    test(`${name}: no unacknowledged error`, () => {
      const { violations, error } = nag(context);
      const errors = violations.filter((v) => v.severity === 'error');
      assert.deepEqual(
        errors.map((v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}: ${v.description}`),
        [],
      );
      assert.equal(error, undefined, `synthesis failed: ${String(error)}`);
    });

    test(`${name}: every acknowledgement is needed and names its rule with a reason`, () => {
      const acks: Ack[] = [];
      const { violations, error } = nag(context, acks);
      const nagAcks = acks.filter((a) => ruleOf(a.id).startsWith('AwsSolutions-'));
      assert.ok(nagAcks.length > 0, 'the stack acknowledges some findings');
      assert.ok(error, 'without its acknowledgements the synthesis fails');
      for (const ack of nagAcks) {
        assert.match(ack.id, /^AwsSolutions-[A-Z]+\d+(\[.+\])?$/, `${ack.path}: ${ack.id}`);
        assert.ok(ack.reason.length >= 40, `${ack.path} ${ack.id}: reason too short: "${ack.reason}"`);
      }
      assert.deepEqual(auditAcknowledgements(acks, violations), { needless: [], uncovered: [] });
    });
  }

  // The audit must be able to fail both ways.
  test('mutation: a dropped acknowledgement is reported as uncovered', () => {
    const acks: Ack[] = [];
    const { violations } = nag({}, acks);
    const dropped = acks.filter((a) => ruleOf(a.id) !== 'AwsSolutions-EC23');
    assert.notEqual(dropped.length, acks.length, 'the default stack acknowledges EC23');
    assert.deepEqual(auditAcknowledgements(dropped, violations).uncovered, ['AwsSolutions-EC23 at McpGatewayStack/LoadBalancer/SecurityGroup/Resource']);
  });

  test('mutation: a needless acknowledgement is reported', () => {
    const acks: Ack[] = [];
    const { violations } = nag({}, acks);
    const extra: Ack = { path: 'McpGatewayStack/TaskRole', id: 'AwsSolutions-IAM4', reason: 'no managed policy is attached to this role at all' };
    assert.deepEqual(auditAcknowledgements([...acks, extra], violations).needless, ['AwsSolutions-IAM4 at McpGatewayStack/TaskRole']);
  });
});
