import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { SSM_STANDARD_MAX_BYTES } from '../lib/config';
import { AWS_CLI_IMAGE, policySyncScript } from '../lib/fargate-stack';
import { container, environment, onlyResource, resourcesOfType, synth } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'policy.toml');
const FILE_CONTEXT = { policyFile: 'test/fixtures/policy.toml' };
const PARAMETER_CONTEXT = { policyParameter: '/mcp-gateway/policy' };

const containers = (json: Record<string, any>): any[] => onlyResource(json, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions;
const sidecar = (json: Record<string, any>): any => {
  const found = containers(json).find((c) => c.Name === 'policy-sync');
  assert.ok(found, 'a policy-sync container');
  return found;
};
/** The task role's statements (the role the gateway's own statements are on). */
const taskRoleStatements = (json: Record<string, any>): any[] => {
  const policy = resourcesOfType(json, 'AWS::IAM::Policy').find(([, p]) =>
    JSON.stringify(p.Properties.PolicyDocument).includes('"Sid":"GatewayTable"'),
  );
  assert.ok(policy, 'the task role policy');
  return policy[1].Properties.PolicyDocument.Statement;
};
const ssmStatements = (json: Record<string, any>): any[] =>
  resourcesOfType(json, 'AWS::IAM::Policy')
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[])
    .filter((s) => JSON.stringify(s.Action).includes('ssm:'));

function policyFileOf(bytes: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-stack-'));
  const file = path.join(dir, 'policy.toml');
  fs.writeFileSync(file, `# ${'x'.repeat(bytes - 3)}\n`);
  assert.equal(fs.statSync(file).size, bytes);
  return file;
}

describe('company policy: none configured', () => {
  test('nothing policy-related in the template: no parameter, sidecar, volume, mount, env, dependency, IAM or output', () => {
    const { json } = synth();
    assert.equal(resourcesOfType(json, 'AWS::SSM::Parameter').length, 0);
    const task = onlyResource(json, 'AWS::ECS::TaskDefinition').Properties;
    assert.deepEqual(task.ContainerDefinitions.map((c: any) => c.Name), ['gateway']);
    assert.equal(task.Volumes, undefined);
    const gateway = container(json);
    assert.equal(gateway.MountPoints, undefined);
    assert.equal(gateway.DependsOn, undefined);
    assert.deepEqual(Object.keys(environment(json)).filter((k) => k.startsWith('POLICY')), []);
    assert.deepEqual(ssmStatements(json), []);
    assert.ok(!('PolicyParameterName' in json.Outputs));
    const text = JSON.stringify(json);
    for (const needle of ['aws-cli', 'policy-sync', '/policy', 'POLICY_', 'ssm:']) assert.ok(!text.includes(needle), `${needle} in the template`);
  });
});

describe('company policy from policyFile', () => {
  test('a standard-tier parameter holding the file text, named in an output', () => {
    const { json, template } = synth(FILE_CONTEXT);
    const [[id, parameter]] = resourcesOfType(json, 'AWS::SSM::Parameter') as [[string, any]];
    assert.equal(parameter.Properties.Type, 'String');
    assert.equal(parameter.Properties.Value, fs.readFileSync(FIXTURE, 'utf8'));
    assert.equal(parameter.Properties.Tier, 'Standard');
    assert.equal(parameter.Properties.Name, undefined, 'CloudFormation names it (a change of tier replaces it)');
    template.hasOutput('PolicyParameterName', { Value: { Ref: id } });
    assert.deepEqual(sidecar(json).Environment.find((e: any) => e.Name === 'POLICY_PARAMETER').Value, { Ref: id });
  });

  test('4096 bytes stay standard; above 4 KB the advanced tier, under another logical id', () => {
    const standard = resourcesOfType(synth({ policyFile: policyFileOf(SSM_STANDARD_MAX_BYTES) }).json, 'AWS::SSM::Parameter');
    assert.equal(standard.length, 1);
    assert.equal(standard[0]![1].Properties.Tier, 'Standard');
    const advanced = resourcesOfType(synth({ policyFile: policyFileOf(SSM_STANDARD_MAX_BYTES + 1) }).json, 'AWS::SSM::Parameter');
    assert.equal(advanced.length, 1);
    assert.equal(advanced[0]![1].Properties.Tier, 'Advanced');
    assert.equal(Buffer.byteLength(advanced[0]![1].Properties.Value), SSM_STANDARD_MAX_BYTES + 1);
    // SSM cannot turn an advanced parameter back into a standard one: shrinking
    // the file must replace the parameter, not update its tier.
    assert.notEqual(advanced[0]![0], standard[0]![0]);
  });

  test('above 8 KB the synth is refused, naming policyParameter', () => {
    assert.throws(() => synth({ policyFile: policyFileOf(8193) }), /policyFile: .* above the 8192 bytes .*policyParameter/);
  });

  test('the task role may GetParameter on that parameter only', () => {
    const { json } = synth(FILE_CONTEXT);
    const [[id]] = resourcesOfType(json, 'AWS::SSM::Parameter') as [[string, any]];
    const statements = ssmStatements(json);
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Action, 'ssm:GetParameter');
    assert.ok(taskRoleStatements(json).includes(statements[0]), 'on the task role');
    const resource = JSON.stringify(statements[0].Resource);
    assert.match(resource, /:ssm:.*:parameter\//);
    assert.ok(resource.includes(JSON.stringify({ Ref: id })), resource);
    assert.ok(!resource.includes('*'));
  });
});

describe('company policy from policyParameter', () => {
  test('no parameter created; the task role may GetParameter on that parameter\'s ARN only; the name is an output', () => {
    const { json, template } = synth(PARAMETER_CONTEXT);
    assert.equal(resourcesOfType(json, 'AWS::SSM::Parameter').length, 0);
    const statements = ssmStatements(json);
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Action, 'ssm:GetParameter');
    assert.ok(taskRoleStatements(json).includes(statements[0]), 'on the task role');
    assert.deepEqual(statements[0].Resource, {
      'Fn::Join': ['', ['arn:aws:ssm:us-east-1:', { Ref: 'AWS::AccountId' }, ':parameter/mcp-gateway/policy']],
    });
    template.hasOutput('PolicyParameterName', { Value: '/mcp-gateway/policy' });
    assert.equal(sidecar(json).Environment.find((e: any) => e.Name === 'POLICY_PARAMETER').Value, '/mcp-gateway/policy');
  });

  test('a name without a path has the ARN parameter/<name>', () => {
    const [statement] = ssmStatements(synth({ policyParameter: 'mcp-gateway-policy' }).json);
    assert.match(JSON.stringify(statement.Resource), /:parameter\/mcp-gateway-policy"/);
  });
});

describe('company policy delivery to every task', () => {
  for (const [name, context] of [['policyFile', FILE_CONTEXT], ['policyParameter', PARAMETER_CONTEXT]] as const) {
    test(`${name}: policy-sync sidecar from the pinned AWS CLI image, essential, healthy once the file exists`, () => {
      const { json } = synth(context);
      const defs = containers(json);
      assert.deepEqual(defs.map((c) => c.Name), ['gateway', 'policy-sync'], 'the gateway stays the first container');
      const sync = sidecar(json);
      assert.match(AWS_CLI_IMAGE, /^public\.ecr\.aws\/aws-cli\/aws-cli:2\.\d+\.\d+$/, 'pinned to a version, not latest');
      assert.equal(sync.Image, AWS_CLI_IMAGE);
      assert.equal(sync.Essential, true);
      assert.equal(sync.ReadonlyRootFilesystem, true);
      assert.deepEqual(sync.EntryPoint, ['sh', '-c']);
      assert.equal(sync.Command.length, 1);
      assert.match(sync.Command[0], /aws ssm get-parameter --name "\$POLICY_PARAMETER" --query Parameter\.Value --output text/);
      assert.match(sync.Command[0], /sleep 20 /);
      assert.deepEqual(sync.HealthCheck, { Command: ['CMD-SHELL', 'test -s /policy/policy.toml'], Interval: 5, StartPeriod: 15, Retries: 3, Timeout: 2 });
      assert.ok(sync.Cpu <= 128 && sync.MemoryReservation <= 128, `small reservation: ${sync.Cpu} CPU units, ${sync.MemoryReservation} MiB`);
      assert.equal(sync.Memory, undefined, 'no hard memory limit');
      assert.deepEqual(sync.MountPoints, [{ ContainerPath: '/policy', ReadOnly: false, SourceVolume: 'policy' }]);
      assert.deepEqual(sync.Environment.find((e: any) => e.Name === 'AWS_REGION').Value, { Ref: 'AWS::Region' });
      // Same log group as the gateway, its own stream prefix.
      const gateway = container(json);
      assert.deepEqual(sync.LogConfiguration.Options['awslogs-group'], gateway.LogConfiguration.Options['awslogs-group']);
      assert.equal(sync.LogConfiguration.Options['awslogs-stream-prefix'], 'policy-sync');
      assert.deepEqual(onlyResource(json, 'AWS::ECS::TaskDefinition').Properties.Volumes, [{ Name: 'policy' }]);
    });

    test(`${name}: the gateway reads /policy read-only, every 30 s, and starts after policy-sync is HEALTHY`, () => {
      const { json } = synth(context);
      const gateway = container(json);
      assert.deepEqual(gateway.MountPoints, [{ ContainerPath: '/policy', ReadOnly: true, SourceVolume: 'policy' }]);
      const env = environment(json);
      assert.equal(env.POLICY_FILE, '/policy/policy.toml');
      assert.equal(env.POLICY_RELOAD_SECONDS, '30');
      assert.deepEqual(gateway.DependsOn, [{ ContainerName: 'policy-sync', Condition: 'HEALTHY' }]);
    });
  }
});

/**
 * The sidecar's loop, run by sh (dash here; bash in the AWS CLI image) against
 * a stub `aws` whose answer and exit status the test sets.
 */
describe('policy-sync loop', () => {
  const shells = ['sh', 'bash'].filter((s) => fs.existsSync(`/bin/${s}`) || fs.existsSync(`/usr/bin/${s}`));

  async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  for (const shell of shells) {
    test(`${shell}: atomic updates, failures keep the previous file and are logged, the loop survives them, SIGTERM ends it`, async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-sync-'));
      const [bin, dir, stub] = ['bin', 'policy', 'stub'].map((d) => path.join(root, d)) as [string, string, string];
      for (const d of [bin, dir, stub]) fs.mkdirSync(d);
      fs.writeFileSync(
        path.join(bin, 'aws'),
        `#!/bin/sh\necho "$*" >"${stub}/args"\nif [ "$(cat "${stub}/rc")" != 0 ]; then echo "An error occurred (AccessDeniedException)" >&2; exit 254; fi\ncat "${stub}/value"\n`,
        { mode: 0o755 },
      );
      const answer = (rc: number, value = ''): void => {
        fs.writeFileSync(path.join(stub, 'value'), value);
        fs.writeFileSync(path.join(stub, 'rc'), String(rc));
      };
      const dest = path.join(dir, 'policy.toml');
      const read = (): string | undefined => (fs.existsSync(dest) ? fs.readFileSync(dest, 'utf8') : undefined);

      answer(0, 'version = 1\n');
      const child: ChildProcess = spawn(shell, ['-c', policySyncScript(dir, 0.05)], {
        env: { PATH: `${bin}:${process.env.PATH}`, POLICY_PARAMETER: '/mcp-gateway/policy', AWS_REGION: 'eu-west-1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await until('the first policy', () => read() === 'version = 1\n');
        assert.match(fs.readFileSync(path.join(stub, 'args'), 'utf8'), /^ssm get-parameter --name \/mcp-gateway\/policy --query Parameter\.Value --output text --region eu-west-1 /);
        await until('its log line', () => /policy-sync: \/mcp-gateway\/policy copied to .*policy\.toml, again every 0\.05 s/.test(stdout));

        answer(0, 'version = 2\n');
        await until('the changed policy', () => read() === 'version = 2\n');
        const copied = (): number => stdout.split('\n').filter((l) => l.includes('copied to')).length;
        assert.equal(copied(), 1, `one line while the fetches succeed: ${stdout}`);

        answer(254);
        await until('a logged failure', () => /fetching \/mcp-gateway\/policy failed; the previous policy stays/.test(stderr));
        const failures = stderr.split('\n').filter((l) => l.includes('failed;')).length;
        await until('a second failed round', () => stderr.split('\n').filter((l) => l.includes('failed;')).length > failures);
        assert.equal(read(), 'version = 2\n', 'a failed fetch keeps the previous file');

        answer(0, '');
        const before = stderr.length;
        await until('an empty answer refused', () => stderr.slice(before).includes('failed;'));
        assert.equal(read(), 'version = 2\n', 'an empty answer keeps the previous file');
        assert.equal(child.exitCode, null, 'the loop runs on after failures');

        answer(0, 'version = 3\n');
        await until('the policy after the failures', () => read() === 'version = 3\n');
        await until('one line for the recovery', () => copied() === 2);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(copied(), 2, `no line for the fetches that follow: ${stdout}`);
        assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== '.policy.toml.next'), ['policy.toml']);
      } finally {
        child.kill('SIGTERM');
      }
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 3000))]);
      assert.equal(code, 0, 'SIGTERM ends the loop with status 0');
    });
  }
});
