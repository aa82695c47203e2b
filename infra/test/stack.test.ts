import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { buildApp } from '../lib/app';
import { DEFAULT_TIMINGS, checkTimings } from '../lib/config';
import {
  BASE_CONTEXT,
  CDK_JSON_CONTEXT,
  TEST_IMAGE,
  container,
  imageAsset,
  environment,
  loadBalancerAttributes,
  resourcesOfType,
  synth,
  targetGroupAttributes,
} from './helpers';

const CERT_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const TLS_CONTEXT = { domainName: 'mcp.example.com', certificateArn: CERT_ARN };
const ZONE_CONTEXT = { domainName: 'mcp.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' };
const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/existing-gateway-table';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

describe('network', () => {
  test('VPC spans 2 AZs with public and private subnets and one NAT gateway', () => {
    const { template, json } = synth();
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    const subnets = resourcesOfType(json, 'AWS::EC2::Subnet');
    assert.equal(subnets.length, 4);
    assert.equal(subnets.filter(([, s]) => s.Properties.MapPublicIpOnLaunch === true).length, 2);
    const azs = new Set(subnets.map(([, s]) => JSON.stringify(s.Properties.AvailabilityZone)));
    assert.equal(azs.size, 2, 'subnets lie in two distinct AZs');
    // Tasks run in the private subnets without public addresses.
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: [{ Ref: Match.stringLikeRegexp('Private') }, { Ref: Match.stringLikeRegexp('Private') }],
        },
      },
    });
  });

  test('publicSubnetsOnly=true: public subnets only, no NAT gateway, tasks with public IPs', () => {
    const { template, json } = synth({ publicSubnetsOnly: 'true' });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    const subnets = resourcesOfType(json, 'AWS::EC2::Subnet');
    assert.equal(subnets.length, 2);
    assert.ok(subnets.every(([, s]) => s.Properties.MapPublicIpOnLaunch === true));
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
    });
  });

  test('an account/region environment takes its AZs from cdk.context.json-style lookups (offline)', () => {
    const app = new App({
      context: {
        ...BASE_CONTEXT,
        account: '123456789012',
        region: 'eu-west-1',
        'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      },
    });
    const stack = buildApp(app);
    assert.equal(stack.region, 'eu-west-1');
    assert.deepEqual(stack.availabilityZones.slice(0, 2), ['eu-west-1a', 'eu-west-1b']);
    const subnets = Object.values(app.synth().getStackByName(stack.stackName).template.Resources as Record<string, any>).filter(
      (r) => r.Type === 'AWS::EC2::Subnet',
    );
    assert.deepEqual([...new Set(subnets.map((s) => s.Properties.AvailabilityZone))].sort(), ['eu-west-1a', 'eu-west-1b']);
  });

  test('VPC flow logs (rejected traffic) and ALB access logs go to an encrypted, TLS-only bucket', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 's3', TrafficType: 'REJECT' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('cluster and service', () => {
  test('cluster McpGatewayCluster has Container Insights enabled', () => {
    synth().template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: 'McpGatewayCluster',
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('Fargate task of 0.5 vCPU / 1 GiB, one task, scaling between 1 and 3', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
    });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1, LaunchType: 'FARGATE' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 3,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
  });

  test('container: port 3000, its own health-check subcommand, stop timeout above the drain time', () => {
    const c = container(synth().json);
    assert.deepEqual(c.PortMappings.map((p: any) => p.ContainerPort), [3000]);
    assert.deepEqual(c.HealthCheck.Command, ['CMD', '/usr/local/bin/mcp-gateway', 'healthcheck']);
    assert.ok(c.StopTimeout > DEFAULT_TIMINGS.shutdownDrainSeconds, `StopTimeout ${c.StopTimeout}`);
    assert.ok(c.StopTimeout <= 120);
    assert.equal(c.Essential, true);
  });

  test('image is built from the repository Dockerfile as an asset, heavy directories excluded', () => {
    const { app, stack } = synth({}, true);
    const image = imageAsset(app, stack.stackName);
    assert.equal(image.dockerFile, 'Dockerfile');
    const staged = image.directory;
    assert.ok(fs.existsSync(path.join(staged, 'Dockerfile')));
    assert.ok(fs.existsSync(path.join(staged, 'Cargo.lock')));
    for (const heavy of ['target', '.git', 'infra', 'node_modules']) {
      assert.ok(!fs.existsSync(path.join(staged, heavy)), `${heavy} must not be in the image context`);
    }
  });

  test('environment carries the non-secret settings', () => {
    const { json } = synth();
    const env = environment(json);
    assert.equal(env.PORT, '3000');
    assert.equal(env.HOST, '0.0.0.0');
    assert.equal(env.LOG_FORMAT, 'json');
    assert.ok(!('LOG_LEVEL' in env), "the gateway's default log level applies unless logLevel is set");
    assert.equal(environment(synth({ logLevel: 'debug' }).json).LOG_LEVEL, 'debug');
    assert.equal(env.GOOGLE_CLIENT_ID, BASE_CONTEXT.googleClientId);
    assert.equal(env.ALLOWED_DOMAIN, 'example.com');
    assert.equal(env.SHUTDOWN_DRAIN_SECONDS, '25');
    assert.equal(env.SSE_KEEP_ALIVE_SECONDS, '15');
    assert.equal(env.TOOL_TIMEOUT_SECONDS, '120');
    assert.deepEqual(env.AWS_REGION, { Ref: 'AWS::Region' });
    const tableId = Object.keys(json.Resources).find((k) => json.Resources[k].Type === 'AWS::DynamoDB::Table');
    assert.deepEqual(env.DYNAMODB_TABLE_NAME, { Ref: tableId });
  });

  test('secrets come from Secrets Manager and no secret value is in the template', () => {
    const { json } = synth();
    const c = container(json);
    const env = environment(json);
    assert.ok(!('GOOGLE_CLIENT_SECRET' in env));
    assert.ok(!('SESSION_SECRET' in env));
    const secrets = Object.fromEntries((c.Secrets as Array<{ Name: string; ValueFrom: unknown }>).map((s) => [s.Name, JSON.stringify(s.ValueFrom)]));
    assert.deepEqual(Object.keys(secrets).sort(), ['GOOGLE_CLIENT_SECRET', 'SESSION_SECRET']);
    assert.match(secrets.GOOGLE_CLIENT_SECRET!, /:secretsmanager:.*:secret:mcp-gateway\/google-client-secret/);
    assert.match(secrets.SESSION_SECRET!, /:secretsmanager:.*:secret:mcp-gateway\/session-secret/);
    // The stack creates no secret and resolves none into a property.
    assert.equal(resourcesOfType(json, 'AWS::SecretsManager::Secret').length, 0);
    const text = JSON.stringify(json);
    assert.ok(!text.includes('{{resolve:secretsmanager'), 'no dynamic secret reference');
    assert.ok(!/SecretString/.test(text));
  });

  test('secrets can be named by full ARN', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/google-AbCdEf';
    const c = container(synth({ googleClientSecretName: arn }).json);
    const google = (c.Secrets as any[]).find((s) => s.Name === 'GOOGLE_CLIENT_SECRET');
    assert.equal(google.ValueFrom, arn);
  });

  test('a secret value passed as context is refused', () => {
    for (const key of ['googleClientSecret', 'sessionSecret']) {
      assert.throws(() => synth({ [key]: 'not-to-be-stored' }), /Secrets Manager/);
    }
  });

  test('log group /ecs/mcp-gateway keeps logs 7 days', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/ecs/mcp-gateway', RetentionInDays: 7 });
    const c = container(synth().json);
    assert.equal(c.LogConfiguration.LogDriver, 'awslogs');
  });

  test('deployment circuit breaker rolls back a failed deployment', () => {
    synth().template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
    });
  });
});

describe('load balancer', () => {
  test('target group checks /health every 10 s, healthy after 2 passes (~20 s)', () => {
    synth().template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      TargetType: 'ip',
    });
    // ECS registers each task's IP on the container port.
    synth().template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [Match.objectLike({ ContainerName: 'gateway', ContainerPort: 3000 })],
    });
  });

  test('without a certificate: one HTTP listener on 80 forwarding to the service', () => {
    const { template, json } = synth();
    const listeners = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::Listener');
    assert.equal(listeners.length, 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [Match.objectLike({ Type: 'forward' })],
    });
    assert.equal(environment(json).PUBLIC_URL !== undefined, true);
    assert.match(JSON.stringify(environment(json).PUBLIC_URL), /http:\/\//);
  });

  test('with certificateArn + domainName: HTTPS on 443 with the certificate, 80 redirects to 443', () => {
    const { template, json } = synth(TLS_CONTEXT);
    assert.equal(resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::Listener').length, 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERT_ARN }],
      SslPolicy: Match.stringLikeRegexp('TLS'),
      DefaultActions: [Match.objectLike({ Type: 'forward' })],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: Match.objectLike({ Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' }) },
      ],
    });
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    const env = environment(json);
    assert.equal(env.PUBLIC_URL, 'https://mcp.example.com');
    assert.equal(env.GOOGLE_REDIRECT_URI, 'https://mcp.example.com/oauth/callback');
  });

  test('with domainName + hosted zone: a DNS-validated certificate and an alias record', () => {
    const { template } = synth(ZONE_CONTEXT);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'mcp.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'mcp.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'mcp.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
  });

  test('ALB idle timeout exceeds the SSE keep-alive and the tool timeout', () => {
    const attrs = loadBalancerAttributes(synth().json);
    const idle = Number(attrs['idle_timeout.timeout_seconds']);
    assert.equal(idle, 180);
    assert.ok(idle > DEFAULT_TIMINGS.toolTimeoutSeconds && idle > DEFAULT_TIMINGS.sseKeepAliveSeconds);
    assert.equal(attrs['routing.http.drop_invalid_header_fields.enabled'], 'true');
    assert.equal(attrs['access_logs.s3.enabled'], 'true');
    // A longer tool timeout raises the idle timeout with it.
    const longer = loadBalancerAttributes(synth({ toolTimeoutSeconds: '300' }).json);
    assert.equal(Number(longer['idle_timeout.timeout_seconds']), 360);
  });

  test('deregistration delay (30 s) covers the drain time (25 s)', () => {
    const delay = Number(targetGroupAttributes(synth().json)['deregistration_delay.timeout_seconds']);
    assert.equal(delay, 30);
    assert.ok(delay >= DEFAULT_TIMINGS.shutdownDrainSeconds);
  });

  test('timing relations are enforced', () => {
    assert.doesNotThrow(() => checkTimings(DEFAULT_TIMINGS));
    assert.throws(() => checkTimings({ ...DEFAULT_TIMINGS, idleTimeoutSeconds: 120 }), /idle timeout/);
    assert.throws(() => checkTimings({ ...DEFAULT_TIMINGS, deregistrationDelaySeconds: 10 }), /deregistration/);
    assert.throws(() => checkTimings({ ...DEFAULT_TIMINGS, stopTimeoutSeconds: 25 }), /stop timeout/);
  });
});

describe('IAM', () => {
  test('task role: item access to the table and its index, encrypt/decrypt/generate-data-key on the key, nothing else', () => {
    const { json } = synth();
    const role = resourcesOfType(json, 'AWS::IAM::Role').find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('ecs-tasks') && String(r.Properties.Description ?? '').includes('MCP gateway tasks'),
    );
    assert.ok(role, 'task role exists');
    const [roleId, roleResource] = role;
    assert.equal(roleResource.Properties.ManagedPolicyArns, undefined);
    const policies = resourcesOfType(json, 'AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties.Roles as any[]).some((r) => r.Ref === roleId),
    );
    assert.equal(policies.length, 1);
    const statements = policies[0]![1].Properties.PolicyDocument.Statement as any[];
    assert.equal(statements.length, 2);
    const [tableStatement, keyStatement] = statements;
    for (const s of statements) {
      assert.equal(s.Effect, 'Allow');
      const actions: string[] = [s.Action].flat();
      assert.ok(actions.every((a) => !a.includes('*')), `no wildcard actions: ${actions}`);
      assert.ok(!JSON.stringify(s.Resource).includes('*'), 'no wildcard resources');
    }
    assert.ok([tableStatement.Action].flat().every((a: string) => a.startsWith('dynamodb:')));
    assert.ok(![tableStatement.Action].flat().some((a: string) => /Delete(Table|Backup)|CreateTable|UpdateTable/.test(a)));
    const tableId = Object.keys(json.Resources).find((k) => json.Resources[k].Type === 'AWS::DynamoDB::Table');
    assert.deepEqual(tableStatement.Resource[0], { 'Fn::GetAtt': [tableId, 'Arn'] });
    assert.equal(tableStatement.Resource.length, 2);
    assert.match(JSON.stringify(tableStatement.Resource[1]), /\/index\/gsi1/);
    assert.deepEqual([keyStatement.Action].flat().sort(), ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    const gatewayKey = resourcesOfType(json, 'AWS::KMS::Key').find(([, k]) => String(k.Properties.Description).startsWith('Envelope encryption'));
    assert.deepEqual(keyStatement.Resource, { 'Fn::GetAtt': [gatewayKey?.[0], 'Arn'] });
  });

  test('execution role reads exactly the two secrets', () => {
    const { json } = synth();
    const exec = resourcesOfType(json, 'AWS::IAM::Policy').find(([id]) => id.startsWith('TaskDefinitionExecutionRole'));
    assert.ok(exec);
    const statements = exec[1].Properties.PolicyDocument.Statement as any[];
    const secretStatements = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
    assert.equal(secretStatements.length, 1);
    assert.deepEqual([secretStatements[0].Action].flat().sort(), ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    assert.equal(secretStatements[0].Resource.length, 2);
  });
});

describe('state', () => {
  test('created table: pk, TTL, gsi1 on gpk/gsk, on demand, PITR; kept except when a first create rolls back', () => {
    const { template } = synth();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: 'mcp-gateway-sessions',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: false,
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gpk', KeyType: 'HASH' },
              { AttributeName: 'gsk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    });
  });

  test('deletion protection on request (once the first deploy is up)', () => {
    synth({ tableDeletionProtection: 'true' }).template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  test('created key: rotation on, alias alias/mcp-gateway, kept except when a first create rolls back; env points the gateway at both', () => {
    const { template, json } = synth();
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: { EnableKeyRotation: true, PendingWindowInDays: 7 },
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/mcp-gateway' });
    const env = environment(json);
    assert.match(JSON.stringify(env.KMS_KEY_ID), /Key.*Arn/);
  });

  test('existing table and key by name/ARN: nothing created, env and IAM point at them', () => {
    const { template, json } = synth({ existingTableName: 'existing-gateway-table', kmsKeyArn: KEY_ARN });
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    // The one key created is the alarm topic's, which seals no gateway data.
    const keys = resourcesOfType(json, 'AWS::KMS::Key');
    assert.deepEqual(keys.map(([, k]) => k.Properties.Description), ['Encryption of the MCP gateway alarm notifications (SNS topic)']);
    template.resourceCountIs('AWS::KMS::Alias', 0);
    const env = environment(json);
    assert.equal(env.DYNAMODB_TABLE_NAME, 'existing-gateway-table');
    assert.equal(env.KMS_KEY_ID, KEY_ARN);
    const policyText = JSON.stringify(resourcesOfType(json, 'AWS::IAM::Policy'));
    assert.match(policyText, /table\/existing-gateway-table/);
    assert.match(policyText, /table\/existing-gateway-table\/index\/gsi1/);
    assert.ok(policyText.includes(KEY_ARN));
  });

  test('existing table by ARN', () => {
    const { json } = synth({ existingTableName: TABLE_ARN });
    assert.equal(resourcesOfType(json, 'AWS::DynamoDB::Table').length, 0);
    assert.equal(environment(json).DYNAMODB_TABLE_NAME, 'existing-gateway-table');
  });
});

describe('outputs', () => {
  test('LoadBalancerDNS, ServiceArn and GatewayUrl (http://<alb dns> without a domain)', () => {
    const { template, json } = synth();
    template.hasOutput('LoadBalancerDNS', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('LoadBalancer'), 'DNSName'] } });
    template.hasOutput('ServiceArn', { Value: { Ref: Match.stringLikeRegexp('Service') } });
    template.hasOutput('GatewayUrl', {
      Value: { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [Match.stringLikeRegexp('LoadBalancer'), 'DNSName'] }]] },
    });
    // The pattern's duplicate outputs are removed.
    assert.deepEqual(Object.keys(json.Outputs).sort(), ['AlarmTopicArn', 'DashboardUrl', 'GatewayUrl', 'KmsKeyArn', 'LoadBalancerDNS', 'ServiceArn', 'TableName']);
  });

  test('GatewayUrl is the https URL when a domain is configured', () => {
    synth(TLS_CONTEXT).template.hasOutput('GatewayUrl', { Value: 'https://mcp.example.com' });
  });
});

describe('stages, architecture and endpoints', () => {
  test('two stacks (staging and production) fit one account and region: no fixed name in common', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT, stackName: 'McpGatewayStaging' } });
    const staging = Template.fromStack(buildApp(app, ContainerImage.fromRegistry(TEST_IMAGE))).toJSON();
    const production = synth().json;
    const fixedNames = (json: Record<string, any>): string[] =>
      Object.values(json.Resources as Record<string, any>).flatMap((r) =>
        ['TableName', 'ClusterName', 'LogGroupName', 'AliasName', 'BucketName', 'RoleName', 'Name']
          .map((k) => r.Properties?.[k])
          .filter((v): v is string => typeof v === 'string'),
      );
    assert.deepEqual(fixedNames(staging).filter((n) => fixedNames(production).includes(n)), []);
    assert.ok(fixedNames(staging).includes('/ecs/McpGatewayStaging'));
    assert.ok(fixedNames(staging).includes('alias/McpGatewayStaging'));
    // The staging table is named by CloudFormation after the stack.
    assert.equal(resourcesOfType(staging, 'AWS::DynamoDB::Table')[0]![1].Properties.TableName, undefined);
    assert.equal(app.node.findAll().filter((c) => c instanceof Stack)[0]!.node.id, 'McpGatewayStaging');
  });

  test('Graviton: cpuArchitecture=arm64 runs ARM64 tasks from an arm64 image', () => {
    const { app, stack, template } = synth({ cpuArchitecture: 'arm64' }, true);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } });
    assert.equal(imageAsset(app, stack.stackName).platform, 'linux/arm64');
  });

  test('the default x86-64 task has an explicit linux/amd64 image', () => {
    const { app, stack, template } = synth({}, true);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'X86_64' } });
    assert.equal(imageAsset(app, stack.stackName).platform, 'linux/amd64');
  });

  test('task size from context', () => {
    synth({ taskCpu: '256', taskMemoryMiB: '512' }).template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '512' });
  });

  test('a DynamoDB gateway endpoint on every route table; KMS and Secrets Manager interface endpoints only when asked', () => {
    const { json } = synth();
    const endpoints = resourcesOfType(json, 'AWS::EC2::VPCEndpoint');
    assert.equal(endpoints.length, 1);
    assert.equal(endpoints[0]![1].Properties.VpcEndpointType, 'Gateway');
    assert.equal(endpoints[0]![1].Properties.RouteTableIds.length, resourcesOfType(json, 'AWS::EC2::RouteTable').length);
    const withInterfaces = resourcesOfType(synth({ interfaceEndpoints: 'true' }).json, 'AWS::EC2::VPCEndpoint');
    const services = withInterfaces.map(([, e]) => JSON.stringify(e.Properties.ServiceName)).sort();
    assert.equal(withInterfaces.filter(([, e]) => e.Properties.VpcEndpointType === 'Interface').length, 2);
    assert.match(services.join(' '), /\.kms.*\.secretsmanager/s);
  });
});
