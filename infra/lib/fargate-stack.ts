import * as path from 'node:path';
import {
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import { GatewayConfig, PolicySource, SSM_STANDARD_MAX_BYTES } from './config';
import { Monitoring } from './monitoring';
import { resourceNames } from './names';

export const CONTAINER_PORT = 3000;
/** Secondary index for grouped listings (e.g. all grants of one user). */
export const GSI_NAME = 'gsi1';

/** What the task role may do on the gateway table (items only). */
export const TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];
/** What the task role may do with the gateway key. */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** The AWS CLI image of the policy-sync sidecar, pinned (it has sh and coreutils; the gateway's image has no shell). */
export const AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.36.7';
/** Where the policy volume is mounted, in the gateway (read-only) and in the sidecar. */
export const POLICY_DIR = '/policy';
/** How often the sidecar fetches the policy parameter. */
export const POLICY_SYNC_SECONDS = 20;
/** POLICY_RELOAD_SECONDS of the gateway: a change reaches every task within POLICY_SYNC_SECONDS + this (+ one fetch). */
export const POLICY_RELOAD_SECONDS = 30;

/**
 * The policy-sync loop (sh, run as `sh -c`): every `everySeconds` it fetches
 * the parameter named by $POLICY_PARAMETER into a temporary file in `dir`
 * and, when the fetch succeeded with a non-empty value, renames it over
 * `dir`/policy.toml (atomic: the gateway reads the old file or the new one,
 * never half of one; it applies the text only when it changed). A failed
 * fetch logs a line and keeps the previous file; the first success, and the
 * first after a failure, log one line. No `set -e`: nothing ends the loop but
 * SIGTERM. No command substitution either: bash (the image's sh) can fail to
 * parse one when SIGTERM's trap runs in its midst, and exit 1.
 * The AWS CLI writes nothing it needs (its session-id cache under $HOME fails
 * quietly on the read-only root file system), so only `dir` is written.
 */
export function policySyncScript(dir: string, everySeconds: number): string {
  return [
    'set -u',
    "trap 'exit 0' TERM INT",
    `dest='${dir}/policy.toml'`,
    `next='${dir}/.policy.toml.next'`,
    'failing=1',
    'while :; do',
    '  if aws ssm get-parameter --name "$POLICY_PARAMETER" --query Parameter.Value --output text \\',
    '      --region "$AWS_REGION" --no-cli-pager --cli-connect-timeout 5 --cli-read-timeout 10 >"$next" && [ -s "$next" ]; then',
    '    if mv -f "$next" "$dest"; then',
    `      [ "$failing" = 0 ] || echo "policy-sync: $POLICY_PARAMETER copied to $dest, again every ${everySeconds} s"`,
    '      failing=0',
    '    else',
    '      echo "policy-sync: cannot rename $next to $dest; the previous policy stays" >&2',
    '      failing=1',
    '    fi',
    '  else',
    '    echo "policy-sync: fetching $POLICY_PARAMETER failed; the previous policy stays" >&2',
    '    rm -f "$next"',
    '    failing=1',
    '  fi',
    `  sleep ${everySeconds} & wait $!`,
    'done',
  ].join('\n');
}

/** Repository root: the Docker build context of the gateway image. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Paths kept out of the image asset on top of the root .dockerignore. */
export const ASSET_EXCLUDES = [
  '.git',
  '**/target',
  '**/node_modules',
  '**/.venv',
  '**/.venv-*',
  'infra',
  'data',
  '.cache',
];

export interface McpGatewayStackProps extends StackProps {
  readonly config: GatewayConfig;
  /**
   * Image to run. Defaults to the repository's Dockerfile built as a CDK
   * asset (no Docker is needed to synthesize, only to deploy).
   */
  readonly image?: ecs.ContainerImage;
}

/**
 * The gateway on ECS Fargate behind an Application Load Balancer, with its
 * DynamoDB table and KMS key.
 */
export class McpGatewayStack extends Stack {
  readonly service: ecsPatterns.ApplicationLoadBalancedFargateService;
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly publicUrl: string;
  readonly monitoring: Monitoring;
  /** The SSM parameter the tasks take their policy from; undefined without a policy. */
  readonly policyParameterName?: string;

  constructor(scope: Construct, id: string, props: McpGatewayStackProps) {
    super(scope, id, props);
    const { config } = props;
    const t = config.timings;
    const names = resourceNames(config.stackName, config.tableName);
    const arm64 = config.cpuArchitecture === 'arm64';

    // ---- Network -----------------------------------------------------------
    const logBucket = new s3.Bucket(this, 'LogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED, // ALB access logs support SSE-S3 only
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      // Its name is generated: a bucket left by a failed first create is in
      // nobody's way (the ALB writes a test object at once, so a rollback
      // could not delete it anyway).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(logBucket, 'AwsSolutions-S1', 'This bucket receives the ALB access logs and VPC flow logs itself; logging its own access would recurse.');

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: config.publicSubnetsOnly ? 0 : 1,
      subnetConfiguration: config.publicSubnetsOnly
        ? [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }]
        : [
            { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
            { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
          ],
    });
    // DynamoDB through a gateway endpoint: free, and off the NAT gateway's data charge.
    vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    const taskSubnetType = config.publicSubnetsOnly ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS;
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toS3(logBucket, 'vpc-flow-logs/'),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    const cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: names.cluster,
      vpc,
      containerInsightsV2: config.containerInsights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
    });
    if (!config.containerInsights) {
      acknowledge(
        cluster,
        'AwsSolutions-ECS4',
        'Container Insights is switched off on request (containerInsights=false) to fit the low-cost layout; the service still has ECS CPU/memory metrics, the ALB metrics and the JSON logs in CloudWatch Logs.',
      );
    }

    // ---- State: table and key ------------------------------------------------
    this.table = config.existingTableName
      ? dynamodb.Table.fromTableAttributes(this, 'Table', {
          ...(config.existingTableName.startsWith('arn:')
            ? { tableArn: config.existingTableName }
            : { tableName: config.existingTableName }),
          globalIndexes: [GSI_NAME],
        })
      : this.createTable(names.table, config.tableDeletionProtection);

    this.key = config.kmsKeyArn
      ? kms.Key.fromKeyArn(this, 'Key', config.kmsKeyArn)
      : new kms.Key(this, 'Key', {
          alias: names.keyAlias,
          description: 'Envelope encryption of the MCP gateway secrets at rest (Google tokens, session keys)',
          enableKeyRotation: true,
          // Kept on delete and replacement (it unseals every stored token);
          // deleted when a first create rolls back, before it sealed anything.
          removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
          pendingWindow: Duration.days(7),
        });

    // ---- Secrets (imported by name or ARN; their values never enter the template) --
    const googleClientSecret = importSecret(this, 'GoogleClientSecret', config.googleClientSecretName);
    const sessionSecret = importSecret(this, 'SessionSecret', config.sessionSecretName);

    // ---- Load balancer, TLS and DNS ------------------------------------------
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      // Above the SSE keep-alive interval and the longest tool call, so that
      // neither an open stream nor a slow tool call is cut by the ALB.
      idleTimeout: Duration.seconds(t.idleTimeoutSeconds),
      dropInvalidHeaderFields: true,
    });
    loadBalancer.logAccessLogs(logBucket, 'alb');
    acknowledge(loadBalancer, 'AwsSolutions-EC23', 'The load balancer is the public entry point of the gateway: its security group admits the internet on the listener ports only (80 redirecting to 443 when TLS is configured).');

    const zone =
      config.hostedZoneId && config.hostedZoneName
        ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
            hostedZoneId: config.hostedZoneId,
            zoneName: config.hostedZoneName,
          })
        : undefined;
    let certificate: acm.ICertificate | undefined;
    if (config.certificateArn) {
      certificate = acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn);
    } else if (config.domainName && zone) {
      certificate = new acm.Certificate(this, 'Certificate', {
        domainName: config.domainName,
        validation: acm.CertificateValidation.fromDns(zone),
      });
    }
    const https = certificate !== undefined;
    // With secGroupsDisablesImplicitOpenListener on and our own load balancer
    // passed in, the pattern opens no port: the listener ports are opened here,
    // and nothing else (test/reachability.test.ts follows the packets).
    for (const port of https ? [80, 443] : [80]) {
      loadBalancer.connections.allowFrom(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `Internet to listener ${port}`);
    }
    this.publicUrl = https ? `https://${config.domainName}` : `http://${loadBalancer.loadBalancerDnsName}`;

    // ---- Task definition ------------------------------------------------------
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: names.logGroup,
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'MCP gateway tasks: read/write the gateway table, encrypt/decrypt with the gateway key',
    });
    // Item-level access to the table and its one index, nothing else: no
    // wildcard resources, no table administration.
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GatewayTable',
        actions: TABLE_ACTIONS,
        resources: [this.table.tableArn, `${this.table.tableArn}/index/${GSI_NAME}`],
      }),
    );
    // Envelope encryption: data keys from GenerateDataKey, Decrypt to unwrap them.
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GatewayKey',
        actions: KEY_ACTIONS,
        resources: [this.key.keyArn],
      }),
    );

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: config.taskCpu,
      memoryLimitMiB: config.taskMemoryMiB,
      taskRole,
      runtimePlatform: {
        cpuArchitecture: arm64 ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const image =
      props.image ??
      ecs.ContainerImage.fromAsset(REPO_ROOT, {
        file: 'Dockerfile',
        exclude: ASSET_EXCLUDES,
        // Explicit, so that the image matches the task's architecture whatever
        // the building machine is (the Dockerfile cross-compiles).
        platform: arm64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
      });
    const gateway = taskDefinition.addContainer('gateway', {
      containerName: 'gateway',
      image,
      portMappings: [{ containerPort: CONTAINER_PORT, name: 'http' }],
      environment: {
        HOST: '0.0.0.0',
        PORT: String(CONTAINER_PORT),
        PUBLIC_URL: this.publicUrl,
        GOOGLE_REDIRECT_URI: `${this.publicUrl}/oauth/callback`,
        GOOGLE_CLIENT_ID: config.googleClientId,
        ALLOWED_DOMAIN: config.allowedDomain,
        AWS_REGION: Aws.REGION,
        DYNAMODB_TABLE_NAME: this.table.tableName,
        KMS_KEY_ID: this.key.keyArn,
        LOG_FORMAT: 'json',
        // One embedded-metric-format line per minute on stdout; CloudWatch
        // Logs turns it into the McpGateway metrics (lib/monitoring.ts).
        METRICS_EMF: 'true',
        ...(config.logLevel ? { LOG_LEVEL: config.logLevel } : {}),
        SHUTDOWN_DRAIN_SECONDS: String(t.shutdownDrainSeconds),
        SSE_KEEP_ALIVE_SECONDS: String(t.sseKeepAliveSeconds),
        TOOL_TIMEOUT_SECONDS: String(t.toolTimeoutSeconds),
      },
      secrets: {
        GOOGLE_CLIENT_SECRET: ecs.Secret.fromSecretsManager(googleClientSecret),
        SESSION_SECRET: ecs.Secret.fromSecretsManager(sessionSecret),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'gateway' }),
      // The image has no shell or curl: the binary probes its own /health.
      healthCheck: {
        command: ['CMD', '/usr/local/bin/mcp-gateway', 'healthcheck'],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(10),
      },
      // SIGTERM, then SIGKILL after this: longer than the gateway's drain.
      stopTimeout: Duration.seconds(t.stopTimeoutSeconds),
    });
    if (config.policy) {
      this.policyParameterName = this.addPolicySync(config.policy, taskDefinition, gateway, taskRole, logGroup);
    }
    acknowledge(taskDefinition, 'AwsSolutions-ECS2', 'Only non-secret settings are plain environment variables; GOOGLE_CLIENT_SECRET and SESSION_SECRET come from Secrets Manager as ECS secrets.');

    // ---- Service ----------------------------------------------------------------
    this.service = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Service', {
      cluster,
      loadBalancer,
      taskDefinition,
      desiredCount: config.desiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: config.publicSubnetsOnly,
      taskSubnets: { subnetType: taskSubnetType },
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(30),
      ...(https
        ? {
            protocol: elbv2.ApplicationProtocol.HTTPS,
            listenerPort: 443,
            certificate,
            sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
            redirectHTTP: true,
          }
        : { protocol: elbv2.ApplicationProtocol.HTTP, listenerPort: 80 }),
      ...(zone && config.domainName ? { domainName: config.domainName, domainZone: zone } : {}),
    });

    // A legacy SSE message (POST /messages) that lands on a task other than
    // the one holding its stream is forwarded there over the private network.
    this.service.service.connections.allowInternally(
      ec2.Port.tcp(CONTAINER_PORT),
      'Gateway task to gateway task: legacy SSE messages forwarded to the task holding the stream',
    );

    if (config.interfaceEndpoints) {
      // KMS and Secrets Manager off the NAT gateway: each endpoint costs about
      // $0.01 per hour per AZ (~$14.60 a month in 2 AZs) plus $0.01 per GB.
      // Their security groups admit HTTPS from the tasks only.
      for (const [id, service] of [
        ['KmsEndpoint', ec2.InterfaceVpcEndpointAwsService.KMS],
        ['SecretsManagerEndpoint', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
      ] as const) {
        const endpoint = vpc.addInterfaceEndpoint(id, { service, subnets: { subnetType: taskSubnetType }, privateDnsEnabled: true, open: false });
        endpoint.connections.allowFrom(this.service.service, ec2.Port.tcp(443), `Gateway tasks to ${id}`);
      }
    }

    // The pattern's own outputs duplicate ours (and its URL ignores PUBLIC_URL).
    this.service.node.tryRemoveChild('LoadBalancerDNS');
    this.service.node.tryRemoveChild('ServiceURL');

    // Healthy after 2 consecutive passes 10 s apart (~20 s); a task that stops
    // answering leaves rotation after 3 failures (~30 s).
    this.service.targetGroup.configureHealthCheck({
      path: '/health',
      healthyHttpCodes: '200',
      interval: Duration.seconds(10),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    });
    // Gives in-flight requests at least the gateway's drain time.
    this.service.targetGroup.setAttribute('deregistration_delay.timeout_seconds', String(t.deregistrationDelaySeconds));

    // ---- Auto scaling -----------------------------------------------------------
    const scaling = this.service.service.autoScaleTaskCount({
      minCapacity: config.minCapacity,
      maxCapacity: config.maxCapacity,
    });
    // Every figure here is per task, so it falls as tasks are added and the
    // service returns to minCapacity when load falls (docs/decisions.md).
    scaling.scaleOnRequestCount('RequestCountScaling', {
      targetGroup: this.service.targetGroup,
      requestsPerTarget: 1000,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    scaling.scaleOnCpuUtilization('CpuScaling', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    // Long-lived MCP streams barely move the request count: scale on open
    // connections per healthy task too (the ALB's count alone does not fall
    // as tasks are added).
    const connectionsPerTask = new cloudwatch.MathExpression({
      expression: 'connections / tasks',
      usingMetrics: {
        connections: loadBalancer.metrics.activeConnectionCount({ period: Duration.minutes(1), statistic: 'Sum' }),
        tasks: this.service.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum' }),
      },
      period: Duration.minutes(1),
      label: 'Active connections per healthy task',
    });
    scaling.scaleOnMetric('ConnectionsPerTaskScaling', {
      metric: connectionsPerTask,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: 20, change: -1 },
        { lower: 50, change: +1 },
        { lower: 100, change: +2 },
      ],
      cooldown: Duration.minutes(2),
      evaluationPeriods: 2,
    });

    // ---- Alarms, their SNS topic, dashboard ------------------------------------------
    this.monitoring = new Monitoring(this, 'Monitoring', {
      name: names.monitoring,
      loadBalancer,
      targetGroup: this.service.targetGroup,
      service: this.service.service,
      clusterName: cluster.clusterName,
      containerInsights: config.containerInsights,
      minCapacity: config.minCapacity,
      maxCapacity: config.maxCapacity,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });

    // ---- Findings on resources that CDK creates on our behalf -------------------------
    acknowledge(
      taskDefinition.obtainExecutionRole(),
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken, which the execution role needs to pull the gateway image, supports no resource-level permission; every other statement of this role names its resource.',
    );

    // ---- Outputs ----------------------------------------------------------------------
    new CfnOutput(this, 'LoadBalancerDNS', {
      value: loadBalancer.loadBalancerDnsName,
      description: 'DNS name of the Application Load Balancer',
    });
    new CfnOutput(this, 'ServiceArn', {
      value: this.service.service.serviceArn,
      description: 'ARN of the ECS service',
    });
    new CfnOutput(this, 'GatewayUrl', {
      value: this.publicUrl,
      description: 'Public URL of the gateway (MCP endpoint: <GatewayUrl>/mcp)',
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'DynamoDB table of the gateway' });
    new CfnOutput(this, 'KmsKeyArn', { value: this.key.keyArn, description: 'KMS key of the gateway' });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.topic.topicArn,
      description: 'SNS topic the alarms notify (subscribe e-mail, chat or paging here)',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${names.monitoring}`,
      description: 'CloudWatch dashboard of the gateway',
    });
    if (this.policyParameterName) {
      new CfnOutput(this, 'PolicyParameterName', {
        value: this.policyParameterName,
        description:
          config.policy?.kind === 'parameter'
            ? 'SSM parameter holding the company policy: change it with aws ssm put-parameter --overwrite, every task applies it within a minute'
            : 'SSM parameter the stack fills from policyFile: change the file and deploy (a put-parameter holds only until the next change of the file)',
      });
    }
  }

  /**
   * Delivers the policy to every task: a `policy-sync` sidecar copies the SSM
   * parameter into a task volume every POLICY_SYNC_SECONDS, and the gateway
   * reads it from there (read-only) every POLICY_RELOAD_SECONDS. The gateway
   * starts only once the sidecar is healthy, i.e. once the file exists.
   * Returns the parameter's name.
   */
  private addPolicySync(
    policy: PolicySource,
    taskDefinition: ecs.FargateTaskDefinition,
    gateway: ecs.ContainerDefinition,
    taskRole: iam.Role,
    logGroup: logs.ILogGroup,
  ): string {
    let parameterName: string;
    let parameterArn: string;
    if (policy.kind === 'file') {
      // Its name is generated: an advanced parameter cannot go back to the
      // standard tier, so a change of tier replaces it (a new logical id) and
      // a fixed name would collide with itself during the replacement.
      const advanced = Buffer.byteLength(policy.text, 'utf8') > SSM_STANDARD_MAX_BYTES;
      const parameter = new ssm.StringParameter(this, advanced ? 'PolicyParameterAdvanced' : 'PolicyParameter', {
        stringValue: policy.text,
        tier: advanced ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
        description: `MCP gateway company policy (POLICY_FILE), from ${path.basename(policy.path)} at deploy time`,
      });
      parameterName = parameter.parameterName;
      parameterArn = parameter.parameterArn;
    } else {
      parameterName = policy.parameterName;
      parameterArn = this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: policy.parameterName.replace(/^\//, '') });
    }
    // GetParameter on this one parameter, nothing else (the sidecar's only call).
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'GatewayPolicyParameter', actions: ['ssm:GetParameter'], resources: [parameterArn] }),
    );

    taskDefinition.addVolume({ name: 'policy' });
    const sync = taskDefinition.addContainer('policy-sync', {
      containerName: 'policy-sync',
      image: ecs.ContainerImage.fromRegistry(AWS_CLI_IMAGE),
      entryPoint: ['sh', '-c'],
      command: [policySyncScript(POLICY_DIR, POLICY_SYNC_SECONDS)],
      environment: { POLICY_PARAMETER: parameterName, AWS_REGION: Aws.REGION },
      essential: true,
      readonlyRootFilesystem: true,
      cpu: 64,
      memoryReservationMiB: 64,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'policy-sync' }),
      healthCheck: {
        command: ['CMD-SHELL', `test -s ${POLICY_DIR}/policy.toml`],
        interval: Duration.seconds(5),
        timeout: Duration.seconds(2),
        retries: 3,
        startPeriod: Duration.seconds(15),
      },
      // Stopped after the gateway (the reverse of its dependency); exits at once on SIGTERM.
      stopTimeout: Duration.seconds(10),
    });
    sync.addMountPoints({ sourceVolume: 'policy', containerPath: POLICY_DIR, readOnly: false });

    gateway.addMountPoints({ sourceVolume: 'policy', containerPath: POLICY_DIR, readOnly: true });
    gateway.addEnvironment('POLICY_FILE', `${POLICY_DIR}/policy.toml`);
    gateway.addEnvironment('POLICY_RELOAD_SECONDS', String(POLICY_RELOAD_SECONDS));
    gateway.addContainerDependencies({ container: sync, condition: ecs.ContainerDependencyCondition.HEALTHY });
    return parameterName;
  }

  private createTable(tableName: string | undefined, deletionProtection: boolean): dynamodb.Table {
    const table = new dynamodb.Table(this, 'Table', {
      ...(tableName ? { tableName } : {}),
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Off by default: a first create that rolls back must be able to delete
      // the (still empty) table, so that the retry is not refused with
      // "already exists". Turn it on once the stack is up.
      deletionProtection,
      // Kept on stack delete and on replacement, where it holds users' data;
      // deleted when a first create rolls back, before it held any.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    table.addGlobalSecondaryIndex({
      indexName: GSI_NAME,
      partitionKey: { name: 'gpk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    return table;
  }
}

function importSecret(scope: Construct, id: string, nameOrArn: string): secretsmanager.ISecret {
  return nameOrArn.startsWith('arn:')
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, nameOrArn)
    : secretsmanager.Secret.fromSecretNameV2(scope, id, nameOrArn);
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
