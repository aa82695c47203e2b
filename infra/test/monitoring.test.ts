import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Json, logicalId } from './reachability';
import { LAYOUTS } from './layouts';
import { environment, onlyResource, resourcesOfType, synth } from './helpers';

/** The figures the gateway writes (its embedded-metric-format contract), written out here rather than taken from lib/monitoring.ts, so that a metric renamed there fails here. */
const CONTRACT = [
  'ToolCalls',
  'ToolErrors',
  'ToolLatencyP99',
  'GoogleCalls',
  'GoogleRateLimited',
  'GoogleRetries',
  'TokenRefreshFailures',
  'StoreErrors',
  'StoreLatencyP99',
  'KmsErrors',
  'LiveSessions',
  'RateLimited',
  'AuditDropped',
];

interface Expected {
  namespace: string;
  metric: string;
  stat: string;
  period: number;
  threshold: number;
  comparison: string;
  evaluationPeriods: number;
  datapoints: number;
}

const GE = 'GreaterThanOrEqualToThreshold';
const GT = 'GreaterThanThreshold';
const ELB = 'AWS/ApplicationELB';

/** Every notifying alarm of the default stack, by name: what it reads and when it fires. */
const EXPECTED: Record<string, Expected> = {
  'McpGateway-TargetErrors': { namespace: ELB, metric: 'HTTPCode_Target_5XX_Count', stat: 'Sum', period: 60, threshold: 5, comparison: GE, evaluationPeriods: 5, datapoints: 3 },
  'McpGateway-LoadBalancerErrors': { namespace: ELB, metric: 'HTTPCode_ELB_5XX_Count', stat: 'Sum', period: 60, threshold: 5, comparison: GE, evaluationPeriods: 5, datapoints: 3 },
  'McpGateway-UnhealthyTargets': { namespace: ELB, metric: 'UnHealthyHostCount', stat: 'Maximum', period: 60, threshold: 1, comparison: GE, evaluationPeriods: 3, datapoints: 3 },
  'McpGateway-SlowResponses': { namespace: ELB, metric: 'TargetResponseTime', stat: 'p99', period: 300, threshold: 20, comparison: GT, evaluationPeriods: 3, datapoints: 3 },
  'McpGateway-TasksAtMaximum': { namespace: 'ECS/ContainerInsights', metric: 'DesiredTaskCount', stat: 'Minimum', period: 300, threshold: 3, comparison: GE, evaluationPeriods: 3, datapoints: 3 },
  'McpGateway-StoreErrors': { namespace: 'McpGateway', metric: 'StoreErrors', stat: 'Sum', period: 300, threshold: 5, comparison: GE, evaluationPeriods: 2, datapoints: 2 },
  'McpGateway-KmsErrors': { namespace: 'McpGateway', metric: 'KmsErrors', stat: 'Sum', period: 300, threshold: 3, comparison: GE, evaluationPeriods: 2, datapoints: 2 },
  'McpGateway-AuditDropped': { namespace: 'McpGateway', metric: 'AuditDropped', stat: 'Sum', period: 300, threshold: 1, comparison: GE, evaluationPeriods: 1, datapoints: 1 },
};

/** The alarms that notify the topic (the others belong to the scaling policies), by name. */
function notifying(json: Json): Map<string, Json> {
  const topic = topicId(json);
  return new Map(
    resourcesOfType(json, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => (a.Properties.AlarmActions as unknown[]).some((x) => logicalId(x) === topic))
      .map(([, a]) => [a.Properties.AlarmName as string, a.Properties]),
  );
}

function topicId(json: Json): string {
  const topics = resourcesOfType(json, 'AWS::SNS::Topic');
  assert.equal(topics.length, 1, 'one alarm topic');
  return topics[0]![0];
}

/** The dashboard body with its tokens written out, as one string. */
function dashboardBody(json: Json): string {
  const body = onlyResource(json, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody;
  const parts: unknown[] = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  return parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
}

describe('alarm topic', () => {
  const { json } = synth();

  test('is encrypted with its own rotating KMS key, which CloudWatch may use for this stack\'s alarms only', () => {
    const topic = resourcesOfType(json, 'AWS::SNS::Topic')[0]![1];
    const keyId = logicalId(topic.Properties.KmsMasterKeyId);
    assert.ok(keyId, 'the topic names a key of the stack');
    const key = json.Resources[keyId];
    assert.equal(key.Type, 'AWS::KMS::Key');
    assert.equal(key.Properties.EnableKeyRotation, true);
    const grant = (key.Properties.KeyPolicy.Statement as Json[]).find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    assert.ok(grant, 'CloudWatch may use the key');
    assert.deepEqual([grant.Action].flat().sort(), ['kms:Decrypt', 'kms:GenerateDataKey*']);
    assert.match(JSON.stringify(grant.Condition.ArnLike['aws:SourceArn']), /:alarm:McpGateway-\*/);
    assert.deepEqual(grant.Condition.StringEquals, { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  });

  test('accepts publishing over TLS only, and from this stack\'s alarms', () => {
    const policy = onlyResource(json, 'AWS::SNS::TopicPolicy').Properties.PolicyDocument.Statement as Json[];
    assert.ok(policy.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'));
    const publish = policy.find((s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudwatch.amazonaws.com');
    assert.ok(publish);
    assert.equal(publish.Action, 'sns:Publish');
    assert.match(JSON.stringify(publish.Condition.ArnLike['aws:SourceArn']), /:alarm:McpGateway-\*/);
  });

  test('e-mail subscription only when alarmEmail is given; a malformed address is refused', () => {
    assert.equal(resourcesOfType(json, 'AWS::SNS::Subscription').length, 0);
    const withEmail = synth({ alarmEmail: 'ops@example.com' }).json;
    const [, sub] = resourcesOfType(withEmail, 'AWS::SNS::Subscription')[0]!;
    assert.equal(sub.Properties.Protocol, 'email');
    assert.equal(sub.Properties.Endpoint, 'ops@example.com');
    assert.equal(logicalId(sub.Properties.TopicArn), topicId(withEmail));
    assert.throws(() => synth({ alarmEmail: 'not an address' }), /alarmEmail: .* is not one e-mail address/);
    assert.throws(() => synth({ alarmEmail: 'a@example.com,b@example.com' }), /alarmEmail/);
  });

  test('its ARN is an output', () => {
    assert.equal(logicalId(json.Outputs.AlarmTopicArn.Value), topicId(json));
  });
});

describe('alarms', () => {
  const { json } = synth();
  const alarms = notifying(json);

  test('exactly the expected alarms notify the topic', () => {
    assert.deepEqual([...alarms.keys()].sort(), [...Object.keys(EXPECTED), 'McpGateway-GoogleRateLimited'].sort());
  });

  for (const [name, e] of Object.entries(EXPECTED)) {
    test(`${name}: ${e.stat} of ${e.metric} ${e.comparison === GE ? '>=' : '>'} ${e.threshold}, ${e.datapoints} of ${e.evaluationPeriods} periods of ${e.period} s`, () => {
      const a = alarms.get(name);
      assert.ok(a, `${name} exists`);
      assert.equal(a.Namespace, e.namespace);
      assert.equal(a.MetricName, e.metric);
      assert.equal(a.ExtendedStatistic ?? a.Statistic, e.stat);
      assert.equal(a.Period, e.period);
      assert.equal(a.Threshold, e.threshold);
      assert.equal(a.ComparisonOperator, e.comparison);
      assert.equal(a.EvaluationPeriods, e.evaluationPeriods);
      assert.equal(a.DatapointsToAlarm, e.datapoints);
      // Every metric here is published only when there is something to count.
      assert.equal(a.TreatMissingData, 'notBreaching');
      // Alarm and recovery both reach the topic.
      const topic = topicId(json);
      assert.deepEqual((a.AlarmActions as unknown[]).map(logicalId), [topic]);
      assert.deepEqual((a.OKActions as unknown[]).map(logicalId), [topic]);
      assert.ok(String(a.AlarmDescription).length > 40, 'says what to do');
      // The gateway writes its figures without dimensions.
      if (e.namespace === 'McpGateway') assert.equal(a.Dimensions, undefined);
    });
  }

  test('load balancer alarms read the stack\'s load balancer and target group', () => {
    const dims = (name: string) => (alarms.get(name)!.Dimensions as Json[]).map((d) => d.Name).sort();
    assert.deepEqual(dims('McpGateway-LoadBalancerErrors'), ['LoadBalancer']);
    for (const name of ['McpGateway-TargetErrors', 'McpGateway-UnhealthyTargets', 'McpGateway-SlowResponses']) {
      assert.deepEqual(dims(name), ['LoadBalancer', 'TargetGroup'], name);
    }
    const tasks = alarms.get('McpGateway-TasksAtMaximum')!.Dimensions as Json[];
    const [clusterId] = resourcesOfType(json, 'AWS::ECS::Cluster')[0]!;
    assert.deepEqual(tasks.find((d) => d.Name === 'ClusterName')!.Value, { Ref: clusterId });
    assert.deepEqual(tasks.find((d) => d.Name === 'ServiceName')!.Value, { 'Fn::GetAtt': [logicalId(json.Outputs.ServiceArn.Value), 'Name'] });
  });

  test('Google 429 rate: GoogleRateLimited / GoogleCalls in percent, over 5 %, only from 20 calls in 5 minutes', () => {
    const a = alarms.get('McpGateway-GoogleRateLimited')!;
    const metrics = a.Metrics as Json[];
    const expression = metrics.filter((m) => m.Expression);
    assert.equal(expression.length, 1);
    assert.equal(expression[0].Expression, 'IF(calls >= 20, 100 * limited / calls, 0)');
    assert.notEqual(expression[0].ReturnData, false);
    const inputs = Object.fromEntries(metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat]));
    assert.deepEqual(inputs, {
      calls: { Metric: { Namespace: 'McpGateway', MetricName: 'GoogleCalls' }, Period: 300, Stat: 'Sum' },
      limited: { Metric: { Namespace: 'McpGateway', MetricName: 'GoogleRateLimited' }, Period: 300, Stat: 'Sum' },
    });
    assert.equal(a.Threshold, 5);
    assert.equal(a.ComparisonOperator, GT);
    assert.equal(a.EvaluationPeriods, 3);
    assert.equal(a.DatapointsToAlarm, 2);
    assert.equal(a.TreatMissingData, 'notBreaching');
    assert.deepEqual((a.OKActions as unknown[]).map(logicalId), [topicId(json)]);
  });

  test('task count at the maximum follows maxCapacity, reads the targets without Container Insights, and is left out when the service cannot scale', () => {
    assert.equal(notifying(synth({ maxCapacity: '6' }).json).get('McpGateway-TasksAtMaximum')!.Threshold, 6);
    const lowCost = notifying(synth({ containerInsights: 'false' }).json).get('McpGateway-TasksAtMaximum')!;
    assert.equal(lowCost.Namespace, 'AWS/ApplicationELB');
    assert.equal(lowCost.MetricName, 'HealthyHostCount');
    assert.equal(lowCost.Statistic, 'Minimum');
    assert.equal(lowCost.Threshold, 3);
    const fixed = notifying(synth({ minCapacity: '2', maxCapacity: '2', desiredCount: '2' }).json);
    assert.ok(!fixed.has('McpGateway-TasksAtMaximum'));
    assert.equal(fixed.size, Object.keys(EXPECTED).length);
  });

  test('a second stack names its alarms and dashboard after itself', () => {
    const staging = synth({ stackName: 'McpGatewayStaging' }).json;
    const names = [...notifying(staging).keys()];
    assert.equal(names.length, Object.keys(EXPECTED).length + 1);
    assert.ok(names.every((n) => n.startsWith('McpGatewayStaging-')), names.join(', '));
    assert.equal(onlyResource(staging, 'AWS::CloudWatch::Dashboard').Properties.DashboardName, 'McpGatewayStaging');
  });
});

describe('dashboard', () => {
  const { json } = synth();
  const body = dashboardBody(json);

  test('named McpGateway, with every figure of the gateway from the McpGateway namespace', () => {
    assert.equal(onlyResource(json, 'AWS::CloudWatch::Dashboard').Properties.DashboardName, 'McpGateway');
    for (const name of CONTRACT) assert.ok(body.includes(`["McpGateway","${name}"`), `${name} on the dashboard`);
  });

  test('load balancer requests, 5xx, latency, healthy and unhealthy targets, task counts and every alarm', () => {
    for (const name of ['RequestCount', 'HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'TargetResponseTime', 'HealthyHostCount', 'UnHealthyHostCount']) {
      assert.ok(body.includes(`["AWS/ApplicationELB","${name}"`), name);
    }
    for (const name of ['DesiredTaskCount', 'RunningTaskCount']) assert.ok(body.includes(`["ECS/ContainerInsights","${name}"`), name);
    assert.ok(body.includes('IF(calls >= 20, 100 * limited / calls, 0)'), 'the Google 429 rate');
    const alarmIds = resourcesOfType(json, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => notifying(json).has(a.Properties.AlarmName))
      .map(([id]) => id);
    for (const id of alarmIds) assert.ok(body.includes(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })), `alarm ${id} in the status widget`);
  });

  test('its console address is an output', () => {
    assert.match(JSON.stringify(json.Outputs.DashboardUrl.Value), /#dashboards:name=McpGateway"/);
  });
});

describe('metrics from the logs', () => {
  test('the gateway writes its embedded-metric-format line in every layout (METRICS_EMF=true), through awslogs', () => {
    for (const [name, context] of Object.entries(LAYOUTS)) {
      const { json } = synth(context);
      assert.equal(environment(json).METRICS_EMF, 'true', name);
      const logging = onlyResource(json, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions[0].LogConfiguration;
      assert.equal(logging.LogDriver, 'awslogs', name);
    }
  });

  test('every McpGateway metric an alarm or the dashboard reads is one the gateway writes', () => {
    const { json } = synth();
    const read = new Set<string>();
    for (const [, a] of resourcesOfType(json, 'AWS::CloudWatch::Alarm')) {
      const p = a.Properties;
      if (p.Namespace === 'McpGateway') read.add(p.MetricName);
      for (const m of (p.Metrics ?? []) as Json[]) if (m.MetricStat?.Metric.Namespace === 'McpGateway') read.add(m.MetricStat.Metric.MetricName);
    }
    for (const m of dashboardBody(json).matchAll(/\["McpGateway","([A-Za-z0-9]+)"/g)) read.add(m[1]!);
    assert.deepEqual([...read].filter((n) => !CONTRACT.includes(n)), []);
    assert.deepEqual([...read].sort(), [...CONTRACT].sort(), 'and each figure is shown somewhere');
  });
});
