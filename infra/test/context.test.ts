import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { SSM_ADVANCED_MAX_BYTES, fargateSizeError } from '../lib/config';
import { configFromContext } from '../lib/context';
import { BASE_CONTEXT, CDK_JSON_CONTEXT, synth } from './helpers';

const CERT_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const ZONE_CONTEXT = { domainName: 'mcp.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' };

/** The error message of a synthesis with exactly `context` (plus cdk.json's flags). */
function refusal(context: Record<string, unknown>): string {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context } });
  try {
    buildApp(app);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`synthesis accepted ${JSON.stringify(context)}`);
}

/** The message of a synthesis with `context` on top of the valid base context. */
function refusalOf(context: Record<string, unknown>): string {
  try {
    synth(context);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`synthesis accepted ${JSON.stringify(context)}`);
}

describe('required context', () => {
  test('missing values are refused at synth, one error naming each', () => {
    const message = refusal({});
    for (const key of ['googleClientId', 'allowedDomain', 'googleClientSecretName', 'sessionSecretName']) {
      assert.match(message, new RegExp(`- ${key}: missing`), message);
    }
    assert.match(message, /nothing was synthesized/);
  });

  test('the valid base context synthesizes', () => {
    assert.doesNotThrow(() => synth());
  });
});

describe('values of the wrong shape are refused with the key and value named', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a domain with a scheme', { ...ZONE_CONTEXT, domainName: 'https://mcp.example.com' }, /domainName: "https:\/\/mcp\.example\.com" is not a host name/],
    ['an allowed domain with a scheme', { allowedDomain: 'example.com,https://other.example' }, /allowedDomain: "https:\/\/other\.example" is not a domain/],
    ['a certificate from another region', { domainName: 'mcp.example.com', certificateArn: CERT_ARN.replace('us-east-1', 'eu-west-1') }, /certificateArn: ".*" is in region eu-west-1, the stack deploys to us-east-1/],
    ['a certificate ARN of another service', { domainName: 'mcp.example.com', certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' }, /certificateArn: ".*" is not a acm ARN/],
    ['a non-numeric task size', { taskCpu: 'big' }, /taskCpu: must be a non-negative integer, got "big"/],
    ['a task size Fargate does not offer', { taskCpu: '512', taskMemoryMiB: '512' }, /taskMemoryMiB 512 does not go with taskCpu 512/],
    ['a client id that is not Google\'s', { googleClientId: 'my-client' }, /googleClientId: "my-client" is not a Google OAuth client ID/],
    ['a key from another region', { kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }, /kmsKeyArn: .* is in region eu-west-1/],
    ['a key alias instead of a key ARN', { kmsKeyArn: 'alias/mcp-gateway' }, /kmsKeyArn: "alias\/mcp-gateway" is not a kms ARN/],
    ['a lower-case hosted zone id', { ...ZONE_CONTEXT, hostedZoneId: 'z0123' }, /hostedZoneId: "z0123" is not a Route 53 hosted zone id/],
    ['a domain outside its hosted zone', { ...ZONE_CONTEXT, domainName: 'mcp.other.example' }, /domainName: mcp\.other\.example is not in the hosted zone example\.com/],
    ['a secret name with a space', { sessionSecretName: 'gateway session' }, /sessionSecretName: "gateway session" is not a secret name/],
    ['a secret ARN from another region', { sessionSecretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf' }, /sessionSecretName: .* is in region eu-west-1/],
    ['a stack name with a space', { stackName: 'Mcp Gateway' }, /stackName: "Mcp Gateway" is not a stack name/],
    ['an unknown architecture', { cpuArchitecture: 'arm' }, /cpuArchitecture: must be one of x86_64, arm64, got "arm"/],
    ['a boolean that is not one', { publicSubnetsOnly: 'yes' }, /publicSubnetsOnly: must be true or false/],
    ['a secret value as context', { googleClientSecret: 'not-to-be-stored' }, /googleClientSecret: would put a secret into the cloud assembly/],
    ['inverted capacities', { minCapacity: '2', maxCapacity: '1' }, /minCapacity\/maxCapacity: need 1 <= minCapacity \(2\) <= maxCapacity \(1\)/],
    ['a certificate without a domain', { certificateArn: CERT_ARN }, /certificateArn: needs domainName/],
    ['a domain without certificate or zone', { domainName: 'mcp.example.com' }, /domainName: needs either certificateArn or hostedZoneId/],
    ['half a hosted zone', { ...ZONE_CONTEXT, hostedZoneName: undefined }, /hostedZoneId\/hostedZoneName: go together/],
  ];
  for (const [name, context, expected] of cases) {
    test(name, () => assert.match(refusalOf(context), expected));
  }

  test('several problems are all named in one error', () => {
    const message = refusalOf({ taskCpu: 'big', stackName: '1st', allowedDomain: 'https://example.com' });
    assert.equal(message.split('\n  - ').length - 1, 3, message);
  });

  test('Fargate sizes', () => {
    assert.equal(fargateSizeError(256, 512), undefined);
    assert.equal(fargateSizeError(4096, 30720), undefined);
    assert.match(fargateSizeError(300, 1024)!, /not a Fargate size/);
  });
});

describe('policy context keys', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-context-'));
  const file = (name: string, bytes: number | string): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, typeof bytes === 'string' ? bytes : `# ${'x'.repeat(bytes - 3)}\n`);
    return p;
  };
  const policyOf = (context: Record<string, unknown>) =>
    configFromContext(new App({ context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT, ...context } }).node, 'us-east-1').policy;

  test('neither key: no policy', () => {
    assert.equal(policyOf({}), undefined);
  });

  test('policyFile relative to infra/ (whatever the working directory) is read at synth', () => {
    const cwd = process.cwd();
    process.chdir(os.tmpdir());
    try {
      const policy = policyOf({ policyFile: 'test/fixtures/policy.toml' });
      assert.equal(policy?.kind, 'file');
      assert.equal(policy.kind === 'file' && policy.text, fs.readFileSync(path.join(__dirname, 'fixtures', 'policy.toml'), 'utf8'));
    } finally {
      process.chdir(cwd);
    }
  });

  test('policyFile of exactly 8192 bytes (the advanced tier\'s limit) is accepted', () => {
    const policy = policyOf({ policyFile: file('max.toml', SSM_ADVANCED_MAX_BYTES) });
    assert.equal(policy?.kind === 'file' && Buffer.byteLength(policy.text), SSM_ADVANCED_MAX_BYTES);
  });

  test('policyParameter names an existing parameter', () => {
    assert.deepEqual(policyOf({ policyParameter: '/mcp-gateway/policy' }), { kind: 'parameter', parameterName: '/mcp-gateway/policy' });
    assert.deepEqual(policyOf({ policyParameter: 'mcp-gateway-policy' }), { kind: 'parameter', parameterName: 'mcp-gateway-policy' });
  });

  const cases: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ['both keys', () => ({ policyFile: 'test/fixtures/policy.toml', policyParameter: '/mcp-gateway/policy' }), /policyFile\/policyParameter: pass one of them/],
    ['a policy file above 8 KB, saying that policyParameter cannot take it either', () => ({ policyFile: file('big.toml', SSM_ADVANCED_MAX_BYTES + 1) }), /policyFile: .*big\.toml has 8193 bytes, above the 8192 bytes one SSM parameter can hold .*policyParameter .*shorten the policy/],
    ['a missing policy file', () => ({ policyFile: 'no/such/policy.toml' }), /policyFile: cannot read .*infra\/no\/such\/policy\.toml \(a path relative to infra\/ or absolute\)/],
    ['an empty policy file', () => ({ policyFile: file('empty.toml', '') }), /policyFile: .*empty\.toml is empty/],
    ['a policy file that is not UTF-8', () => ({ policyFile: (fs.writeFileSync(path.join(dir, 'latin1.toml'), Buffer.from([0x23, 0xe9, 0x0a])), path.join(dir, 'latin1.toml')) }), /policyFile: .*latin1\.toml is not UTF-8/],
    ['a policy file with a CloudFormation dynamic reference', () => ({ policyFile: file('resolve.toml', 'x = "{{resolve:ssm:/a}}"\n') }), /policyFile: .*dynamic reference/],
    ['a policy file that is not a string', () => ({ policyFile: 42 }), /policyFile: must be a string, got 42/],
    ['a parameter name with a space', () => ({ policyParameter: '/mcp gateway/policy' }), /policyParameter: "\/mcp gateway\/policy" is not an SSM parameter name/],
    ['a parameter path without its leading slash', () => ({ policyParameter: 'mcp-gateway/policy' }), /policyParameter: "mcp-gateway\/policy" is not an SSM parameter name/],
    ['a parameter name SSM reserves', () => ({ policyParameter: '/aws/policy' }), /policyParameter: "\/aws\/policy": SSM reserves names starting with aws or ssm/],
  ];
  for (const [name, context, expected] of cases) {
    test(`refused: ${name}`, () => {
      const message = refusalOf(context());
      assert.match(message, expected);
      assert.match(message, /nothing was synthesized/);
    });
  }
});
