import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Json, logicalId } from './reachability';
import { Load, evaluate, simulate } from './scaling';
import { resourcesOfType, synth } from './helpers';

/** `minutes` minutes at `connections` open connections and `requests` requests a minute. */
const hold = (minutes: number, connections: number, requests = 100): Load[] => Array.from({ length: minutes }, () => ({ connections, requests }));

// A morning: quiet, a rush of open streams, back to the steady ~30 streams of a 20-person team.
const DAY: Load[] = [...hold(5, 10), ...hold(15, 120), ...hold(15, 260), ...hold(15, 90), ...hold(30, 30)];

describe('auto scaling', () => {
  const { json, template } = synth();

  test('policies: requests per target, CPU per task, open connections per healthy task', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' }, TargetValue: 1000 },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: 60 },
    });
    // The step policy's two alarms: those whose action is a scaling policy (the others notify the alarm topic).
    const policies = new Set(resourcesOfType(json, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(([id]) => id));
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((p) => (p.AlarmActions as unknown[]).some((x) => policies.has(logicalId(x) ?? '')));
    assert.equal(alarms.length, 2);
    for (const a of alarms) {
      const expression = (a.Metrics as Json[]).find((m) => m.Expression)!.Expression;
      assert.equal(expression, 'connections / tasks');
      const names = (a.Metrics as Json[]).filter((m) => m.MetricStat).map((m) => `${m.Id}=${m.MetricStat.Metric.MetricName}`);
      assert.deepEqual(names.sort(), ['connections=ActiveConnectionCount', 'tasks=HealthyHostCount']);
    }
  });

  test('simulated day: up under load, to the maximum at the peak, back to 1 as load falls', () => {
    const counts = simulate(json, DAY);
    assert.equal(counts[4], 1, 'quiet: one task');
    assert.ok(counts.slice(5, 20).some((n) => n >= 2), `scales out under 120 connections: ${counts.join(',')}`);
    assert.equal(Math.max(...counts.slice(20, 35)), 3, `reaches the maximum at 260 connections: ${counts.join(',')}`);
    assert.equal(counts[counts.length - 1], 1, `back to one task at 30 connections: ${counts.join(',')}`);
    // No flapping at the steady load: once back at one task it stays there.
    const end = counts.slice(-10);
    assert.ok(end.every((n) => n === 1), `steady at the end: ${end.join(',')}`);
  });

  test('a request surge scales out through target tracking', () => {
    const counts = simulate(json, [...hold(3, 5, 100), ...hold(5, 5, 2500)]);
    assert.equal(counts[counts.length - 1], 3, counts.join(','));
  });

  // The same day on the policy before this change (the load balancer's whole
  // connection count, which does not fall as tasks are added): it stays at 3.
  test('mutation: scaling on the total connection count never comes back down at 30 connections', () => {
    const t = JSON.parse(JSON.stringify(json)) as Json;
    for (const [, a] of resourcesOfType(t, 'AWS::CloudWatch::Alarm')) {
      delete a.Properties.Metrics;
      Object.assign(a.Properties, { MetricName: 'ActiveConnectionCount', Namespace: 'AWS/ApplicationELB', Statistic: 'Sum', Period: 60 });
    }
    const counts = simulate(t, DAY);
    assert.equal(counts[counts.length - 1], 3, counts.join(','));
  });

  test('metric math evaluation', () => {
    assert.equal(evaluate('connections / tasks', { connections: 90, tasks: 3 }), 30);
    assert.equal(evaluate('(a + b) * 2 - c / 4', { a: 1, b: 2, c: 8 }), 4);
    assert.throws(() => evaluate('x / y', { x: 1 }), /unknown metric y/);
  });
});
