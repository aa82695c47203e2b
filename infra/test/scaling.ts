/**
 * Replays Application Auto Scaling's arithmetic on a synthesized template,
 * one minute at a time, so that a scaling policy can be tested against a
 * series of load values. Followed from the template: the scalable target's
 * bounds; each step policy's alarm (threshold, comparison, evaluation periods,
 * plain metric or `a / b` metric math) and its steps and cooldown; each
 * ALBRequestCountPerTarget target-tracking policy (target value, cooldowns).
 * When policies disagree the largest capacity wins, as Application Auto
 * Scaling does. Simplifications: a new task is healthy one minute after it is
 * asked for; target tracking proposes ceil(tasks × value / target), holds the
 * current count while that is not lower, and is not simulated scaling in.
 */
import { Json, logicalId } from './reachability';

/** The load in one minute, as the load balancer sees it. */
export interface Load {
  /** ActiveConnectionCount (sum over the minute). */
  connections: number;
  /** RequestCount over the minute. */
  requests: number;
}

function resources(t: Json, type: string): Array<[string, Json]> {
  return Object.entries(t.Resources as Record<string, Json>).filter(([, r]) => r.Type === type);
}

/** Evaluates `a / b`, `a * b`, `a + b`, `a - b` and parentheses over named values. */
export function evaluate(expression: string, values: Record<string, number>): number {
  const tokens = expression.match(/[A-Za-z_][A-Za-z0-9_]*|\d+(\.\d+)?|[()+\-*/]/g) ?? [];
  let i = 0;
  const atom = (): number => {
    const tok = tokens[i++];
    if (tok === '(') {
      const v = sum();
      i++;
      return v;
    }
    if (tok === undefined) throw new Error(`unexpected end of ${expression}`);
    if (/^\d/.test(tok)) return Number(tok);
    if (!(tok in values)) throw new Error(`unknown metric ${tok} in ${expression}`);
    return values[tok]!;
  };
  const product = (): number => {
    let v = atom();
    while (tokens[i] === '*' || tokens[i] === '/') v = tokens[i++] === '*' ? v * atom() : v / atom();
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  };
  return sum();
}

/** The value of a CloudWatch metric of the template for a minute's load and task count. */
function metricValue(metricName: string, load: Load, tasks: number): number {
  switch (metricName) {
    case 'ActiveConnectionCount':
      return load.connections;
    case 'RequestCount':
      return load.requests;
    case 'HealthyHostCount':
      return tasks;
    default:
      throw new Error(`no simulated value for metric ${metricName}`);
  }
}

function alarmValue(alarm: Json, load: Load, tasks: number): number {
  const p = alarm.Properties;
  if (p.MetricName) return metricValue(p.MetricName, load, tasks);
  const metrics = p.Metrics as Json[];
  const values: Record<string, number> = {};
  for (const m of metrics) if (m.MetricStat) values[m.Id] = metricValue(m.MetricStat.Metric.MetricName, load, tasks);
  const expr = metrics.find((m) => m.Expression && m.ReturnData !== false);
  if (!expr) throw new Error('alarm has no expression that returns data');
  return evaluate(expr.Expression, values);
}

function breaches(op: string, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    default:
      throw new Error(`comparison ${op}`);
  }
}

interface StepPolicy {
  id: string;
  alarm: Json;
  steps: Array<{ lower: number; upper: number; change: number }>;
  cooldown: number;
  history: boolean[];
  lastAction: number;
}

/** Runs the template's policies over `series` (one Load per minute); returns the task count after each minute. */
export function simulate(t: Json, series: Load[]): number[] {
  const [, target] = resources(t, 'AWS::ApplicationAutoScaling::ScalableTarget')[0]!;
  const min = Number(target.Properties.MinCapacity);
  const max = Number(target.Properties.MaxCapacity);
  const policies = resources(t, 'AWS::ApplicationAutoScaling::ScalingPolicy');
  const alarms = resources(t, 'AWS::CloudWatch::Alarm');
  const steps: StepPolicy[] = policies
    .filter(([, p]) => p.Properties.PolicyType === 'StepScaling')
    .map(([id, p]) => {
      const alarm = alarms.find(([, a]) => (a.Properties.AlarmActions as unknown[]).some((x) => logicalId(x) === id));
      if (!alarm) throw new Error(`step policy ${id} has no alarm`);
      const c = p.Properties.StepScalingPolicyConfiguration;
      return {
        id,
        alarm: alarm[1],
        steps: (c.StepAdjustments as Json[]).map((s) => ({
          lower: s.MetricIntervalLowerBound ?? -Infinity,
          upper: s.MetricIntervalUpperBound ?? Infinity,
          change: s.ScalingAdjustment,
        })),
        cooldown: Number(c.Cooldown ?? 300) / 60,
        history: [],
        lastAction: -Infinity,
      };
    });
  const tracking = policies
    .filter(([, p]) => p.Properties.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType === 'ALBRequestCountPerTarget')
    .map(([, p]) => {
      const c = p.Properties.TargetTrackingScalingPolicyConfiguration;
      return { target: Number(c.TargetValue), outCooldown: Number(c.ScaleOutCooldown) / 60, inCooldown: Number(c.ScaleInCooldown) / 60, last: -Infinity };
    });

  let tasks = min;
  const counts: number[] = [];
  series.forEach((load, minute) => {
    const proposals: number[] = [];
    for (const p of steps) {
      const a = p.alarm.Properties;
      const value = alarmValue(p.alarm, load, tasks);
      p.history.push(breaches(a.ComparisonOperator, value, Number(a.Threshold)));
      const inAlarm = p.history.length >= a.EvaluationPeriods && p.history.slice(-a.EvaluationPeriods).every(Boolean);
      if (inAlarm && minute - p.lastAction >= p.cooldown) {
        const over = value - Number(a.Threshold);
        const step = p.steps.find((s) => s.lower <= over && over < s.upper);
        if (step) {
          proposals.push(tasks + step.change);
          p.lastAction = minute;
        }
      }
    }
    for (const p of tracking) {
      const perTarget = load.requests / tasks;
      const desired = Math.ceil((tasks * perTarget) / p.target);
      if (desired > tasks && minute - p.last >= p.outCooldown) {
        proposals.push(desired);
        p.last = minute;
      } else if (desired >= tasks) {
        proposals.push(tasks);
      }
    }
    const next = proposals.length > 0 ? Math.max(...proposals) : tasks;
    tasks = Math.min(max, Math.max(min, next));
    counts.push(tasks);
  });
  return counts;
}
