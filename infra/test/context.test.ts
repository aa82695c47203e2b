import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { fargateSizeError } from '../lib/config';
import { CDK_JSON_CONTEXT, synth } from './helpers';

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
