/** The deployment layouts every layout-wide test runs over (context on top of BASE_CONTEXT). */
export const LAYOUTS: Record<string, Record<string, string>> = {
  'private subnets with a NAT gateway, HTTP': {},
  'TLS with a hosted zone': { domainName: 'mcp.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' },
  'TLS with an existing certificate': {
    domainName: 'mcp.example.com',
    certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
  },
  'public subnets only, no NAT': { publicSubnetsOnly: 'true' },
  'low cost: public subnets, Graviton, 0.25 vCPU': { publicSubnetsOnly: 'true', cpuArchitecture: 'arm64', taskCpu: '256', taskMemoryMiB: '512', containerInsights: 'false' },
  'NAT with KMS and Secrets Manager interface endpoints': { interfaceEndpoints: 'true' },
};
