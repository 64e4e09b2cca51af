/*
 * The cluster's subject names (brain/cluster/subjects.ts) and the `--cluster` options of
 * `npm run brain` (brain/cli-args.ts), from tables.
 */
import test from "ava";
import { parseCliArgs, UsageError } from "../brain/cli-args";
import { agentOfTopic, parseUplinkSubject, partitionSubject, subjectOfTopic, uplinkMapping } from "../brain/cluster/subjects";

const uplinks: [string, ReturnType<typeof parseUplinkSubject>][] = [
  ["brain.3.bs.1.agent-7.up.ctl", { partition: 3, topic: "bs/1/agent-7/up/ctl", agentId: "agent-7" }],
  ["brain.0.bs.1.a_b.up.sns", { partition: 0, topic: "bs/1/a_b/up/sns", agentId: "a_b" }],
  ["brain.1023.bs.1.X.up.ctl", { partition: 1023, topic: "bs/1/X/up/ctl", agentId: "X" }],
  ["brain.x.bs.1.a.up.ctl", null],
  ["brain.3.bs.2.a.up.ctl", null],
  ["brain.3.bs.1.a.dn.ctl", null],
  ["brain.3.bs.1.a.up", null],
  ["brain.3.bs.1.a.up.ctl.more", null],
  ["brain.3.bs.1.abcdefghijklmnopqrstu.up.ctl", null], // 21 characters
  ["bs.1.a.up.ctl", null],
  ["brain.12345.bs.1.a.up.ctl", null],
];

test("uplink subjects parse to (partition, topic, agent) or null", (t) => {
  for (const [subject, want] of uplinks) t.deepEqual(parseUplinkSubject(subject), want, subject);
});

test("downlink topics become subjects and name their agent", (t) => {
  for (const [topic, subject, agent] of [
    ["bs/1/a1/dn/ctl", "bs.1.a1.dn.ctl", "a1"],
    ["bs/1/robot-9/dn/mot", "bs.1.robot-9.dn.mot", "robot-9"],
    ["other/x", "other.x", null],
  ] as const) {
    t.is(subjectOfTopic(topic), subject);
    t.is(agentOfTopic(topic), agent);
  }
});

test("the mapping and the partition subscriptions agree", (t) => {
  t.deepEqual(uplinkMapping(8), { "bs.1.*.up.*": "brain.{{partition(8,1)}}.bs.1.{{wildcard(1)}}.up.{{wildcard(2)}}" });
  t.is(partitionSubject(5), "brain.5.>");
});

const cliOk: [string[], { cluster: string[] | undefined; partitions: number; leaseMs: number; workerName: string | undefined }][] = [
  [["--cluster", "nats://10.0.0.1:4222", "--partitions", "16"], { cluster: ["nats://10.0.0.1:4222"], partitions: 16, leaseMs: 6000, workerName: undefined }],
  [["--cluster", "nats://a:1,nats://b:2", "--partitions", "4", "--lease-ms", "3000", "--worker-name", "w1"], { cluster: ["nats://a:1", "nats://b:2"], partitions: 4, leaseMs: 3000, workerName: "w1" }],
  [[], { cluster: undefined, partitions: 0, leaseMs: 6000, workerName: undefined }],
];
const cliBad: [string[], RegExp][] = [
  [["--cluster", "mqtt://a:1", "--partitions", "4"], /--cluster must look like nats:\/\//],
  [["--cluster", "nats://a:1"], /go together/],
  [["--partitions", "4"], /go together/],
  [["--cluster", "nats://a:1", "--partitions", "0"], /--partitions must be 1..1024/],
  [["--cluster", "nats://a:1", "--partitions", "4", "--broker", "mqtt://b:1"], /cannot be combined/],
  [["--lease-ms", "3000"], /need --cluster/],
  [["--cluster", "nats://a:1", "--partitions", "4", "--lease-ms", "10"], /--lease-ms must be 300..600000/],
];

test("--cluster options: accepted and refused", (t) => {
  for (const [argv, want] of cliOk) {
    const o = parseCliArgs(argv);
    t.deepEqual({ cluster: o.cluster, partitions: o.partitions, leaseMs: o.leaseMs, workerName: o.workerName }, want, argv.join(" "));
  }
  for (const [argv, re] of cliBad) t.throws(() => parseCliArgs(argv), { instanceOf: UsageError, message: re }, argv.join(" "));
});
