/**
 * A small network model of a synthesized template: security groups, subnets,
 * route tables, NAT and internet gateways, VPC endpoints, the load balancer,
 * its listeners and the ECS service. It answers "can a packet get from A to B"
 * the way the VPC would, from the template alone, so that a stack that deploys
 * fine but cannot be reached fails a test.
 *
 * Semantics followed (CloudFormation and VPC):
 * - A security group without inline egress rules keeps EC2's default
 *   allow-all egress; standalone SecurityGroupIngress/Egress resources add to
 *   a group's rules.
 * - A subnet reaches the internet through its route table's default route:
 *   to an internet gateway (needs a public address) or to a NAT gateway that
 *   itself sits in such a subnet.
 * - A gateway endpoint for DynamoDB takes that service's traffic from the
 *   route tables it is attached to; an interface endpoint with private DNS
 *   takes its service's traffic from the whole VPC.
 */

export type Json = Record<string, any>;
export type Family = 'ipv4' | 'ipv6';
export type Reach = { ok: true; path: string[] } | { ok: false; reason: string };

const ANY: Record<Family, string> = { ipv4: '0.0.0.0/0', ipv6: '::/0' };
const HTTPS = 443;

interface Rule {
  protocol: string;
  from: number;
  to: number;
  cidr?: string;
  cidrIpv6?: string;
  group?: string;
  prefixList?: unknown;
  /** A CIDR given as an expression (e.g. the VPC's CidrBlock attribute). */
  cidrExpr?: unknown;
}

interface Group {
  ingress: Rule[];
  egress: Rule[];
}

/** The logical id behind `{Ref: id}` or `{Fn::GetAtt: [id, attr]}`. */
export function logicalId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Json;
    if (typeof v.Ref === 'string') return v.Ref;
    if (Array.isArray(v['Fn::GetAtt'])) return v['Fn::GetAtt'][0] as string;
  }
  return undefined;
}

function resources(t: Json, type: string): Array<[string, Json]> {
  return Object.entries(t.Resources as Record<string, Json>).filter(([, r]) => r.Type === type);
}

function rule(raw: Json, peerKey: 'SourceSecurityGroupId' | 'DestinationSecurityGroupId'): Rule {
  const protocol = String(raw.IpProtocol);
  const all = protocol === '-1';
  const r: Rule = {
    protocol: all ? '-1' : protocol,
    from: all ? 0 : Number(raw.FromPort),
    to: all ? 65535 : Number(raw.ToPort),
  };
  if (typeof raw.CidrIp === 'string') r.cidr = raw.CidrIp;
  else if (raw.CidrIp !== undefined) r.cidrExpr = raw.CidrIp;
  if (typeof raw.CidrIpv6 === 'string') r.cidrIpv6 = raw.CidrIpv6;
  const group = logicalId(raw[peerKey]);
  if (group) r.group = group;
  if (raw.DestinationPrefixListId !== undefined) r.prefixList = raw.DestinationPrefixListId;
  return r;
}

/** Every security group of the template with its effective rules. */
export function securityGroups(t: Json): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const [id, sg] of resources(t, 'AWS::EC2::SecurityGroup')) {
    const inline = sg.Properties.SecurityGroupEgress as Json[] | undefined;
    groups.set(id, {
      ingress: ((sg.Properties.SecurityGroupIngress as Json[] | undefined) ?? []).map((r) => rule(r, 'SourceSecurityGroupId')),
      egress: inline
        ? inline.map((r) => rule(r, 'DestinationSecurityGroupId'))
        : [{ protocol: '-1', from: 0, to: 65535, cidr: ANY.ipv4 }],
    });
  }
  for (const [, r] of resources(t, 'AWS::EC2::SecurityGroupIngress')) {
    groups.get(logicalId(r.Properties.GroupId) ?? '')?.ingress.push(rule(r.Properties, 'SourceSecurityGroupId'));
  }
  for (const [, r] of resources(t, 'AWS::EC2::SecurityGroupEgress')) {
    groups.get(logicalId(r.Properties.GroupId) ?? '')?.egress.push(rule(r.Properties, 'DestinationSecurityGroupId'));
  }
  return groups;
}

function coversPort(r: Rule, port: number): boolean {
  return (r.protocol === '-1' || r.protocol === 'tcp' || r.protocol === '6') && r.from <= port && port <= r.to;
}

function fromAnywhere(r: Rule, family: Family): boolean {
  return family === 'ipv4' ? r.cidr === ANY.ipv4 : r.cidrIpv6 === ANY.ipv6;
}

function groupsOf(list: unknown): string[] {
  return ((list as unknown[] | undefined) ?? []).map((g) => logicalId(g)).filter((g): g is string => g !== undefined);
}

// ---- Routes -------------------------------------------------------------------------

function routeTableOf(t: Json, subnet: string): string | undefined {
  const assoc = resources(t, 'AWS::EC2::SubnetRouteTableAssociation').find(([, a]) => logicalId(a.Properties.SubnetId) === subnet);
  return assoc ? logicalId(assoc[1].Properties.RouteTableId) : undefined;
}

function defaultRoute(t: Json, table: string, family: Family): Json | undefined {
  const key = family === 'ipv4' ? 'DestinationCidrBlock' : 'DestinationIpv6CidrBlock';
  return resources(t, 'AWS::EC2::Route')
    .map(([, r]) => r.Properties)
    .find((p) => logicalId(p.RouteTableId) === table && p[key] === ANY[family]);
}

function isInternetGateway(t: Json, id: string | undefined): boolean {
  return id !== undefined && t.Resources[id]?.Type === 'AWS::EC2::InternetGateway';
}

/** How a subnet reaches the internet (`publicIp`: whether its interfaces have a public address). */
export function subnetToInternet(t: Json, subnet: string, family: Family, publicIp: boolean): Reach {
  const table = routeTableOf(t, subnet);
  if (!table) return { ok: false, reason: `subnet ${subnet} has no route table` };
  const route = defaultRoute(t, table, family);
  if (!route) return { ok: false, reason: `route table ${table} of ${subnet} has no ${ANY[family]} route` };
  if (isInternetGateway(t, logicalId(route.GatewayId))) {
    if (!publicIp && family === 'ipv4') return { ok: false, reason: `${subnet} routes to the internet gateway but has no public IPv4 address` };
    return { ok: true, path: [`${subnet} → internet gateway`] };
  }
  const nat = logicalId(route.NatGatewayId);
  if (nat && t.Resources[nat]?.Type === 'AWS::EC2::NatGateway') {
    const natSubnet = logicalId(t.Resources[nat].Properties.SubnetId);
    if (!natSubnet) return { ok: false, reason: `NAT gateway ${nat} has no subnet` };
    const onward = subnetToInternet(t, natSubnet, family, true);
    return onward.ok ? { ok: true, path: [`${subnet} → NAT gateway ${nat}`, ...onward.path] } : onward;
  }
  if (logicalId(route.EgressOnlyInternetGatewayId)) return { ok: true, path: [`${subnet} → egress-only internet gateway`] };
  return { ok: false, reason: `default route of ${table} leads nowhere known: ${JSON.stringify(route)}` };
}

// ---- Load balancer and service --------------------------------------------------------

interface LoadBalancer {
  id: string;
  dualStack: boolean;
  subnets: string[];
  groups: string[];
}

export function loadBalancer(t: Json): LoadBalancer {
  const lbs = resources(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  if (lbs.length !== 1) throw new Error(`expected one load balancer, found ${lbs.length}`);
  const [id, lb] = lbs[0]!;
  if (lb.Properties.Scheme !== 'internet-facing') throw new Error(`load balancer ${id} is not internet-facing`);
  return {
    id,
    dualStack: String(lb.Properties.IpAddressType ?? 'ipv4').startsWith('dualstack'),
    subnets: groupsOf(lb.Properties.Subnets),
    groups: groupsOf(lb.Properties.SecurityGroups),
  };
}

function listener(t: Json, port: number): Json | undefined {
  return resources(t, 'AWS::ElasticLoadBalancingV2::Listener')
    .map(([, l]) => l.Properties)
    .find((p) => p.Port === port);
}

/** The listener ports of the template. */
export function listenerPorts(t: Json): number[] {
  return resources(t, 'AWS::ElasticLoadBalancingV2::Listener')
    .map(([, l]) => Number(l.Properties.Port))
    .sort((a, b) => a - b);
}

/** Internet client → listener `port` of the load balancer. */
export function internetToListener(t: Json, port: number, family: Family): Reach {
  const lb = loadBalancer(t);
  if (!listener(t, port)) return { ok: false, reason: `no listener on port ${port}` };
  if (family === 'ipv6' && !lb.dualStack) return { ok: false, reason: 'the load balancer has no IPv6 address' };
  const sgs = securityGroups(t);
  const admitting = lb.groups.find((g) => sgs.get(g)?.ingress.some((r) => coversPort(r, port) && fromAnywhere(r, family)));
  if (!admitting) {
    return { ok: false, reason: `no security group of ${lb.id} (${lb.groups.join(', ')}) admits ${ANY[family]} on tcp/${port}` };
  }
  for (const subnet of lb.subnets) {
    const out = subnetToInternet(t, subnet, family, true);
    if (!out.ok) return { ok: false, reason: `load balancer subnet: ${out.reason}` };
  }
  return { ok: true, path: [`${ANY[family]} → ${admitting} tcp/${port}`, `listener ${port}`, `${lb.subnets.length} public subnets`] };
}

interface Service {
  id: string;
  groups: string[];
  subnets: string[];
  publicIp: boolean;
  targets: Array<{ targetGroup: string; containerPort: number }>;
}

export function ecsService(t: Json): Service {
  const services = resources(t, 'AWS::ECS::Service');
  if (services.length !== 1) throw new Error(`expected one ECS service, found ${services.length}`);
  const [id, s] = services[0]!;
  const net = s.Properties.NetworkConfiguration.AwsvpcConfiguration as Json;
  return {
    id,
    groups: groupsOf(net.SecurityGroups),
    subnets: groupsOf(net.Subnets),
    publicIp: net.AssignPublicIp === 'ENABLED',
    targets: ((s.Properties.LoadBalancers as Json[] | undefined) ?? []).map((l) => ({
      targetGroup: logicalId(l.TargetGroupArn) ?? '',
      containerPort: Number(l.ContainerPort),
    })),
  };
}

/** Listener `port` → the container port of a task (following a redirect to another listener). */
export function listenerToContainer(t: Json, port: number, seen: number[] = []): Reach {
  const l = listener(t, port);
  if (!l) return { ok: false, reason: `no listener on port ${port}` };
  const action = (l.DefaultActions as Json[])[0]!;
  if (action.Type === 'redirect') {
    const next = Number(action.RedirectConfig.Port);
    if (seen.includes(next)) return { ok: false, reason: `redirect loop through port ${next}` };
    const onward = listenerToContainer(t, next, [...seen, port]);
    return onward.ok ? { ok: true, path: [`listener ${port} redirects to ${next}`, ...onward.path] } : onward;
  }
  if (action.Type !== 'forward') return { ok: false, reason: `listener ${port} does not forward (${action.Type})` };
  const tg = logicalId(action.TargetGroupArn);
  const svc = ecsService(t);
  const target = svc.targets.find((x) => x.targetGroup === tg);
  if (!target) return { ok: false, reason: `target group ${tg} of listener ${port} has no ECS service` };
  const lb = loadBalancer(t);
  const sgs = securityGroups(t);
  const cp = target.containerPort;
  const out = lb.groups.find((g) =>
    sgs.get(g)?.egress.some((r) => coversPort(r, cp) && (r.cidr === ANY.ipv4 || (r.group !== undefined && svc.groups.includes(r.group)))),
  );
  if (!out) return { ok: false, reason: `no load balancer security group lets tcp/${cp} out to the service` };
  const into = svc.groups.find((g) =>
    sgs.get(g)?.ingress.some((r) => coversPort(r, cp) && r.group !== undefined && lb.groups.includes(r.group)),
  );
  if (!into) return { ok: false, reason: `no service security group admits tcp/${cp} from the load balancer` };
  return { ok: true, path: [`listener ${port} → target group ${tg}`, `${out} → ${into} tcp/${cp}`, `container port ${cp}`] };
}

// ---- Task egress ----------------------------------------------------------------------

export type Destination = 'dynamodb' | 'kms' | 'secretsmanager' | 'internet';

function endpointService(e: Json): string {
  const name = e.Properties.ServiceName;
  if (typeof name === 'string') return name.split('.').pop()!;
  const parts = (name?.['Fn::Join']?.[1] as unknown[] | undefined) ?? [];
  return String(parts[parts.length - 1] ?? '').split('.').pop()!;
}

function egressAllows(t: Json, groups: string[], port: number, to: (r: Rule) => boolean): string | undefined {
  const sgs = securityGroups(t);
  return groups.find((g) => sgs.get(g)?.egress.some((r) => coversPort(r, port) && to(r)));
}

/** A task of the service → `dest` over HTTPS (IPv4). */
export function taskTo(t: Json, dest: Destination): Reach {
  const svc = ecsService(t);
  const endpoints = resources(t, 'AWS::EC2::VPCEndpoint').filter(([, e]) => dest !== 'internet' && endpointService(e) === dest);
  for (const [id, e] of endpoints) {
    if (e.Properties.VpcEndpointType === 'Gateway') {
      const tables = groupsOf(e.Properties.RouteTableIds);
      const missing = svc.subnets.filter((s) => !tables.includes(routeTableOf(t, s) ?? ''));
      if (missing.length > 0) continue;
      const via = egressAllows(t, svc.groups, HTTPS, (r) => r.cidr === ANY.ipv4 || r.prefixList !== undefined);
      if (!via) return { ok: false, reason: `task security groups let no tcp/443 out towards the ${dest} gateway endpoint` };
      return { ok: true, path: [`${via} tcp/443`, `gateway endpoint ${id} on the task subnets' route tables`] };
    }
    if (e.Properties.VpcEndpointType === 'Interface' && e.Properties.PrivateDnsEnabled !== false) {
      const epGroups = groupsOf(e.Properties.SecurityGroupIds);
      const sgs = securityGroups(t);
      const via = egressAllows(t, svc.groups, HTTPS, (r) => r.cidr === ANY.ipv4 || r.cidrExpr !== undefined || epGroups.includes(r.group ?? ''));
      const admits = epGroups.find((g) =>
        sgs.get(g)?.ingress.some((r) => coversPort(r, HTTPS) && (r.cidrExpr !== undefined || svc.groups.includes(r.group ?? ''))),
      );
      if (!via || !admits) return { ok: false, reason: `interface endpoint ${id} for ${dest}: task egress ${via ?? 'none'}, endpoint ingress ${admits ?? 'none'}` };
      return { ok: true, path: [`${via} tcp/443`, `interface endpoint ${id} (${admits})`] };
    }
  }
  const via = egressAllows(t, svc.groups, HTTPS, (r) => r.cidr === ANY.ipv4);
  if (!via) return { ok: false, reason: `task security groups (${svc.groups.join(', ')}) let no tcp/443 out to ${ANY.ipv4}` };
  const paths: string[] = [];
  for (const subnet of svc.subnets) {
    const out = subnetToInternet(t, subnet, 'ipv4', svc.publicIp);
    if (!out.ok) return { ok: false, reason: `task subnet: ${out.reason}` };
    paths.push(...out.path);
  }
  return { ok: true, path: [`${via} tcp/443`, ...new Set(paths)] };
}

/** A task of the service → another task's container `port` (legacy SSE messages forwarded to the stream holder). */
export function taskToTask(t: Json, port: number): Reach {
  const svc = ecsService(t);
  const sgs = securityGroups(t);
  const via = egressAllows(t, svc.groups, port, (r) => r.cidr === ANY.ipv4 || svc.groups.includes(r.group ?? ''));
  if (!via) return { ok: false, reason: `task security groups let no tcp/${port} out to the other tasks` };
  const into = svc.groups.find((g) => sgs.get(g)?.ingress.some((r) => coversPort(r, port) && svc.groups.includes(r.group ?? '')));
  if (!into) return { ok: false, reason: `no task security group admits tcp/${port} from the tasks` };
  return { ok: true, path: [`${via} tcp/${port}`, `${into} admits the tasks' own group`] };
}

/** Every ingress rule, on any security group, open to the whole internet: `group tcp/from-to family`. */
export function internetIngress(t: Json): string[] {
  const open: string[] = [];
  for (const [id, g] of securityGroups(t)) {
    for (const r of g.ingress) {
      for (const family of ['ipv4', 'ipv6'] as const) {
        if (fromAnywhere(r, family)) open.push(`${id} ${r.protocol === '-1' ? 'all' : `${r.protocol}/${r.from}-${r.to}`} ${family}`);
      }
    }
  }
  return open.sort();
}
