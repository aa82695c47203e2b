import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App, Validations } from 'aws-cdk-lib';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { buildApp } from '../lib/app';
import { BASE_CONTEXT, CDK_JSON_CONTEXT, TEST_IMAGE } from './helpers';

const VARIANTS: Record<string, Record<string, unknown>> = {
  default: {},
  'public subnets only': { publicSubnetsOnly: true },
  'TLS with an existing certificate': {
    domainName: 'mcp.example.com',
    certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
  },
  'TLS with a hosted zone': { domainName: 'mcp.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' },
  'existing table and key': {
    existingTableName: 'existing-gateway-table',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  },
};

interface Violation {
  ruleName: string;
  severity: string;
  description: string;
  violatingConstructs: Array<{ constructPath: string }>;
}

/** Synthesizes one variant under the AwsSolutions pack; returns the violations it reported. */
function nag(context: Record<string, unknown>): { app: App; violations: Violation[]; error?: unknown } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT, ...context } });
  buildApp(app, ContainerImage.fromRegistry(TEST_IMAGE));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  const reportPath = path.join(app.outdir, 'validation-report.json');
  const report = fs.existsSync(reportPath) ? JSON.parse(fs.readFileSync(reportPath, 'utf8')) : { pluginReports: [] };
  const violations: Violation[] = report.pluginReports
    .filter((r: { pluginName: string }) => r.pluginName !== 'Construct Annotations')
    .flatMap((r: { violations: Violation[] }) => r.violations);
  return { app, violations, error };
}

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const found: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== 'aws:cdk:acknowledged-rules' || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) found.push({ path: c.node.path, id, reason });
    }
  }
  return found;
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
  }

  test('every acknowledgement names one rule and gives a reason', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT } });
    buildApp(app, ContainerImage.fromRegistry(TEST_IMAGE));
    const acks = acknowledgements(app).filter((a) => !a.id.startsWith('CloudFormation-Validate::'));
    assert.ok(acks.length > 0);
    for (const ack of acks) {
      assert.match(ack.id, /AwsSolutions-[A-Z]+\d+/, `${ack.path}: ${ack.id}`);
      assert.ok(ack.reason.length >= 40, `${ack.path} ${ack.id}: reason too short: "${ack.reason}"`);
    }
  });

  test('every acknowledgement is needed: without it the rule fires', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT } });
    buildApp(app, ContainerImage.fromRegistry(TEST_IMAGE));
    const acked = new Set(
      acknowledgements(app)
        .map((a) => a.id.replace(/^AwsSolutions::/, ''))
        .filter((id) => id.startsWith('AwsSolutions-')),
    );
    // The same stack with acknowledgements switched off.
    const original = Validations.prototype.acknowledge;
    Validations.prototype.acknowledge = function () {};
    let result: ReturnType<typeof nag>;
    try {
      result = nag({});
    } finally {
      Validations.prototype.acknowledge = original;
    }
    assert.ok(result.error, 'synthesis fails without the acknowledgements');
    const fired = new Set(result.violations.map((v) => v.ruleName.replace(/^AwsSolutions::/, '')));
    for (const id of acked) assert.ok(fired.has(id), `acknowledgement ${id} is not needed (fired: ${[...fired].join(', ')})`);
  });
});
