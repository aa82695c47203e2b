import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { synth } from './helpers';
import { LAYOUTS } from './layouts';
import {
  Json,
  Reach,
  ecsService,
  internetIngress,
  internetToListener,
  listenerPorts,
  listenerToContainer,
  loadBalancer,
  taskTo,
  taskToTask,
} from './reachability';

function ok(reach: Reach, what: string): string[] {
  assert.ok(reach.ok, `${what}: ${reach.ok ? '' : reach.reason}`);
  return reach.path;
}

function notOk(reach: Reach, what: string): string {
  assert.ok(!reach.ok, `${what} should be unreachable, got ${reach.ok ? reach.path.join(' / ') : ''}`);
  return reach.reason;
}

const clone = (t: Json): Json => JSON.parse(JSON.stringify(t)) as Json;

for (const [name, context] of Object.entries(LAYOUTS)) {
  describe(`reachability, ${name}`, () => {
    const { json } = synth(context);
    const lb = loadBalancer(json);
    const https = listenerPorts(json).includes(443);
    const families = lb.dualStack ? (['ipv4', 'ipv6'] as const) : (['ipv4'] as const);

    test('internet → each listener port → the container port', () => {
      assert.deepEqual(listenerPorts(json), https ? [80, 443] : [80]);
      for (const port of listenerPorts(json)) {
        for (const family of families) ok(internetToListener(json, port, family), `internet (${family}) → ${port}`);
        const path = ok(listenerToContainer(json, port), `listener ${port} → container`);
        assert.match(path.join(' / '), /container port 3000/);
        if (https && port === 80) assert.match(path[0]!, /redirects to 443/);
      }
    });

    test('nothing else is open to the internet: the listener ports on the load balancer only', () => {
      const lbGroup = lb.groups[0]!;
      const expected = listenerPorts(json).flatMap((p) => families.map((f) => `${lbGroup} tcp/${p}-${p} ${f}`));
      assert.deepEqual(internetIngress(json), expected.sort());
    });

    test('task → task on the container port, from the tasks only (legacy SSE forwarding)', () => {
      ok(taskToTask(json, 3000), 'task → task tcp/3000');
    });

    test('task → DynamoDB, KMS, Secrets Manager and Google over HTTPS', () => {
      const publicTasks = ecsService(json).publicIp;
      const dynamo = ok(taskTo(json, 'dynamodb'), 'task → DynamoDB').join(' / ');
      assert.match(dynamo, /gateway endpoint/, 'DynamoDB traffic takes the free gateway endpoint, not the NAT gateway');
      const endpoints = context.interfaceEndpoints === 'true';
      for (const dest of ['kms', 'secretsmanager'] as const) {
        const path = ok(taskTo(json, dest), `task → ${dest}`).join(' / ');
        assert.match(path, endpoints ? /interface endpoint/ : publicTasks ? /internet gateway/ : /NAT gateway/);
      }
      const google = ok(taskTo(json, 'internet'), 'task → Google').join(' / ');
      assert.match(google, publicTasks ? /internet gateway/ : /NAT gateway .* → internet gateway/);
    });
  });
}

// The checks above must be able to fail. Each mutation below breaks one hop of a
// synthesized template the way a wrong stack would, and the model must notice.
describe('reachability model catches broken templates', () => {
  const base = synth().json;

  test('load balancer group without internet ingress (the stack before the listener fix): unreachable', () => {
    const t = clone(base);
    for (const [id, r] of Object.entries(t.Resources as Record<string, Json>)) {
      if (r.Type === 'AWS::EC2::SecurityGroup') delete r.Properties.SecurityGroupIngress;
      if (r.Type === 'AWS::EC2::SecurityGroupIngress' && r.Properties.CidrIp) delete t.Resources[id];
    }
    assert.match(notOk(internetToListener(t, 80, 'ipv4'), 'internet → 80'), /admits 0\.0\.0\.0\/0 on tcp\/80/);
  });

  test('IPv6 asked of an IPv4-only load balancer: unreachable', () => {
    notOk(internetToListener(base, 80, 'ipv6'), 'internet (ipv6) → 80');
  });

  test('service group without ingress from the load balancer: listener cannot reach the container', () => {
    const t = clone(base);
    for (const [id, r] of Object.entries(t.Resources as Record<string, Json>)) {
      if (r.Type === 'AWS::EC2::SecurityGroupIngress' && r.Properties.FromPort === 3000) delete t.Resources[id];
    }
    assert.match(notOk(listenerToContainer(t, 80), 'listener → container'), /admits tcp\/3000/);
  });

  test('private subnets without their NAT route: no way to Google', () => {
    const t = clone(base);
    for (const [id, r] of Object.entries(t.Resources as Record<string, Json>)) {
      if (r.Type === 'AWS::EC2::Route' && r.Properties.NatGatewayId) delete t.Resources[id];
    }
    assert.match(notOk(taskTo(t, 'internet'), 'task → Google'), /no 0\.0\.0\.0\/0 route/);
  });

  test('without the gateway endpoint, DynamoDB traffic falls back to the NAT gateway', () => {
    const t = clone(base);
    for (const [id, r] of Object.entries(t.Resources as Record<string, Json>)) {
      if (r.Type === 'AWS::EC2::VPCEndpoint') delete t.Resources[id];
    }
    assert.match(ok(taskTo(t, 'dynamodb'), 'task → DynamoDB').join(' / '), /NAT gateway/);
  });

  test('task group without HTTPS egress: nothing outside is reachable', () => {
    const t = clone(base);
    const [group] = ecsService(t).groups;
    t.Resources[group!].Properties.SecurityGroupEgress = [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0' }];
    notOk(taskTo(t, 'internet'), 'task → Google');
    notOk(taskTo(t, 'kms'), 'task → KMS');
  });

  test('an extra open port is reported', () => {
    const t = clone(base);
    const [group] = ecsService(t).groups;
    t.Resources[group!].Properties.SecurityGroupIngress = [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }];
    assert.ok(internetIngress(t).includes(`${group} tcp/22-22 ipv4`));
  });
});
