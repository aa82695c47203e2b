import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/**
 * Namespace of the figures the gateway writes as CloudWatch embedded metric
 * format (one JSON line per task a minute on stdout, with METRICS_EMF=true).
 * CloudWatch Logs extracts them from the awslogs driver's events without an
 * agent (docs/decisions.md, "Metrics from the logs").
 */
export const METRICS_NAMESPACE = 'McpGateway';

/** The gateway's metrics (no dimensions); each is a delta over the task's last minute, LiveSessions a gauge. */
export const GATEWAY_METRICS = [
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
] as const;
export type GatewayMetric = (typeof GATEWAY_METRICS)[number];

/** Fewer Google calls than this in 5 minutes make no 429 rate (a handful of calls is no rate). */
export const GOOGLE_RATE_MIN_CALLS = 20;

export interface MonitoringProps {
  /** Prefix of the alarm names and the dashboard's name. */
  readonly name: string;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly service: ecs.FargateService;
  readonly clusterName: string;
  /** Container Insights on: the task count comes from ECS/ContainerInsights, else from the target group. */
  readonly containerInsights: boolean;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

/**
 * The alarms of the gateway, the SNS topic they notify (alarm and OK) and a
 * dashboard of the load balancer, the service and the gateway's own figures.
 * Thresholds and their reasons: infra/README.md, "Alarms and dashboard".
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.prefix = props.name;
    const { loadBalancer, targetGroup } = props;

    // CloudWatch publishes alarm notifications to an encrypted topic only with
    // a customer managed key whose policy lets it use the key (the AWS managed
    // aws/sns key does not); the key protects transient messages only. The
    // topic's policy (which replaces SNS's default one) lets CloudWatch publish.
    // Both grants hold for this stack's alarms only (confused deputy).
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${this.prefix}-*` },
    };
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encryption of the MCP gateway alarm notifications (SNS topic)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncrypt',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${props.name} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    // Every alarm below reads a metric that is published only when something
    // happened (a request, a 5xx, a Google call, an error): a missing point
    // means "nothing to report" and is not breaching.
    const notBreaching = cloudwatch.TreatMissingData.NOT_BREACHING;

    // ---- Load balancer ------------------------------------------------------------
    const targetErrors = targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: minute, statistic: 'Sum' });
    this.alarm('TargetErrors', {
      metric: targetErrors,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
      alarmDescription: 'The gateway answered 5 or more 5xx a minute in 3 of the last 5 minutes. Look for ERROR lines in the log group; check Google, DynamoDB and KMS errors on the dashboard.',
    });
    const elbErrors = loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: minute, statistic: 'Sum' });
    this.alarm('LoadBalancerErrors', {
      metric: elbErrors,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
      alarmDescription: 'The load balancer itself answered 5 or more 5xx a minute (502 target reset, 503 no healthy target, 504 timeout) in 3 of the last 5 minutes. Check target health, task restarts and the deployment.',
    });
    const unhealthy = targetGroup.metrics.unhealthyHostCount({ period: minute, statistic: 'Maximum' });
    this.alarm('UnhealthyTargets', {
      metric: unhealthy,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
      alarmDescription: 'A task has failed its /health checks for 3 minutes in a row (ECS replaces a failing task within about a minute, so this is a task that keeps failing). Check the stopped tasks\' reasons and the log group.',
    });
    // p99 over 5 minutes: a tool call is answered with one JSON response, so
    // its whole duration (up to TOOL_TIMEOUT_SECONDS) counts; an SSE stream
    // (GET /mcp, GET /sse) sends its headers at once and counts as ~0 s.
    const latency = targetGroup.metrics.targetResponseTime({ period: fiveMinutes, statistic: 'p99' });
    this.alarm('SlowResponses', {
      metric: latency,
      threshold: 20,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
      alarmDescription: 'The 99th percentile of target response time has been above 20 s for 15 minutes. Compare ToolLatencyP99, StoreLatencyP99 and the Google retries on the dashboard: slow Google, a slow store, or tasks short of CPU.',
    });

    // ---- Task count at the scaling maximum ----------------------------------------------
    const insights = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName,
        dimensionsMap: { ClusterName: props.clusterName, ServiceName: props.service.serviceName },
        period: fiveMinutes,
        statistic: 'Minimum',
      });
    // The count the scaling policies have asked for (Container Insights), or
    // else the healthy targets, which follow it within a minute or two.
    const tasks = props.containerInsights
      ? insights('DesiredTaskCount')
      : targetGroup.metrics.healthyHostCount({ period: fiveMinutes, statistic: 'Minimum' });
    // A service that cannot scale (minCapacity = maxCapacity) is always "at
    // the maximum": no alarm then.
    if (props.maxCapacity > props.minCapacity) {
      this.alarm('TasksAtMaximum', {
        metric: tasks,
        threshold: props.maxCapacity,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: notBreaching,
        alarmDescription: `The service has run at its scaling maximum (${props.maxCapacity} tasks) for 15 minutes: it cannot add capacity. Raise maxCapacity (or the task size) if the load is real; look for a client in a loop if it is not.`,
      });
    }

    // ---- The gateway's own figures (embedded metric format) ----------------------------
    const googleCalls = gatewayMetric('GoogleCalls', fiveMinutes);
    const googleLimited = gatewayMetric('GoogleRateLimited', fiveMinutes);
    const googleRate = new cloudwatch.MathExpression({
      expression: `IF(calls >= ${GOOGLE_RATE_MIN_CALLS}, 100 * limited / calls, 0)`,
      usingMetrics: { calls: googleCalls, limited: googleLimited },
      period: fiveMinutes,
      label: 'Google calls refused for rate (%)',
    });
    this.alarm('GoogleRateLimited', {
      metric: googleRate,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
      alarmDescription: `More than 5 % of Google API calls were refused for rate (429, or 403 rateLimitExceeded) in 2 of the last 3 five-minute periods, counting periods of at least ${GOOGLE_RATE_MIN_CALLS} calls. Check the Google Cloud console quotas of the project; look for one user or client driving the calls.`,
    });
    this.alarm('StoreErrors', {
      metric: gatewayMetric('StoreErrors', fiveMinutes),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
      alarmDescription: '5 or more store (DynamoDB) errors in each of two 5-minute periods in a row. Check the table\'s throttling and errors in the DynamoDB console, the task role, and the log group.',
    });
    this.alarm('KmsErrors', {
      metric: gatewayMetric('KmsErrors', fiveMinutes),
      threshold: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
      alarmDescription: '3 or more KMS errors in each of two 5-minute periods in a row: sealed tokens cannot be opened or new ones sealed. Check that the key is enabled, its policy and the task role, and KMS throttling.',
    });
    this.alarm('AuditDropped', {
      metric: gatewayMetric('AuditDropped', fiveMinutes),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: notBreaching,
      alarmDescription: 'The gateway dropped audit records in the last 5 minutes; they are lost. Find why in the log group around that time, and check the store errors and latency.',
    });

    for (const alarm of this.alarms) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
    }

    // ---- Dashboard -------------------------------------------------------------------------
    const requests = loadBalancer.metrics.requestCount({ period: minute, statistic: 'Sum' });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });
    const perMinute = (name: GatewayMetric, label: string) => gatewayMetric(name, minute).with({ label });
    const worstTask = (name: GatewayMetric, label: string) => gatewayMetric(name, minute, 'Maximum').with({ label });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.name,
      defaultInterval: Duration.hours(6),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 })],
        [
          graph('Requests and 5xx (per minute)', [requests.with({ label: 'Requests' })], {
            right: [targetErrors.with({ label: 'Target 5xx' }), elbErrors.with({ label: 'Load balancer 5xx' })],
          }),
          graph('Target response time (s)', [
            targetGroup.metrics.targetResponseTime({ period: minute, statistic: 'p50', label: 'p50' }),
            targetGroup.metrics.targetResponseTime({ period: minute, statistic: 'p90', label: 'p90' }),
            targetGroup.metrics.targetResponseTime({ period: minute, statistic: 'p99', label: 'p99' }),
          ], { leftAnnotations: [{ value: 20, label: 'p99 alarm (5-minute p99)' }] }),
          graph('Targets and tasks', [
            targetGroup.metrics.healthyHostCount({ period: minute, statistic: 'Minimum', label: 'Healthy targets' }),
            unhealthy.with({ label: 'Unhealthy targets' }),
            ...(props.containerInsights
              ? [
                  insights('DesiredTaskCount').with({ period: minute, statistic: 'Maximum', label: 'Desired tasks' }),
                  insights('RunningTaskCount').with({ period: minute, statistic: 'Maximum', label: 'Running tasks' }),
                ]
              : []),
          ], { leftAnnotations: [{ value: props.maxCapacity, label: 'maxCapacity' }] }),
        ],
        [
          graph('Tool calls and errors (per minute)', [perMinute('ToolCalls', 'Tool calls')], {
            right: [perMinute('ToolErrors', 'Tool errors')],
          }),
          graph('Tool latency p99 (ms, worst task)', [worstTask('ToolLatencyP99', 'Tool p99')]),
          graph('Live sessions (all tasks)', [perMinute('LiveSessions', 'Live sessions')]),
        ],
        [
          graph('Google calls (per minute)', [perMinute('GoogleCalls', 'Calls')], {
            right: [
              perMinute('GoogleRateLimited', 'Refused for rate (429)'),
              perMinute('GoogleRetries', 'Retries'),
              perMinute('TokenRefreshFailures', 'Token refresh failures'),
            ],
          }),
          graph('Google calls refused for rate (%, 5 minutes)', [googleRate], {
            leftAnnotations: [{ value: 5, label: 'alarm' }],
          }),
          graph('Refusals and audit (per minute)', [
            perMinute('RateLimited', 'Requests refused by the gateway\'s rate limit'),
            perMinute('AuditDropped', 'Audit records dropped'),
          ]),
        ],
        [
          graph('Store and KMS errors (per minute)', [perMinute('StoreErrors', 'Store errors'), perMinute('KmsErrors', 'KMS errors')]),
          graph('Store latency p99 (ms, worst task)', [worstTask('StoreLatencyP99', 'Store p99')]),
        ],
      ],
    });
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): void {
    this.alarms.push(new cloudwatch.Alarm(this, id, { alarmName: `${this.prefix}-${id}`, ...props }));
  }
}

/** A figure of the gateway: summed over all tasks unless another statistic is asked. */
export function gatewayMetric(name: GatewayMetric, period: Duration, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, period, statistic });
}
