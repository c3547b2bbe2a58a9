// Offline checks of deploy/k8s: renders each overlay with `kubectl kustomize`, validates every
// object against the Kubernetes API schemas (kubernetes-models), and checks the project's
// rules: restricted security context, requests and limits, pinned images, gRPC probes on the
// plaintext probe port, TLS with client certificates and token checks configured from mounted
// Secrets, and a drain-friendly shutdown on every workload; MariaDB reads mariadb.cnf and its
// buffer pool fits its memory limit; in prod three replicas, autoscaling, disruption budgets,
// topology spread, and network policies that allow exactly the call graph.
//   node check_manifests.mjs DEPLOY_K8S_DIR
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const root = process.argv[2];
const failures = [];
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) failures.push(what);
}

// DESIGN §2 plus the scheduled jobs: caller → callee.
const SERVICES = { accounts: 50051, health: 50052, stakeholders: 50053, handoff: 50054 };
const CALLS = [
  ["health", "accounts"], ["stakeholders", "accounts"], ["stakeholders", "health"],
  ["handoff", "accounts"], ["handoff", "health"], ["handoff", "stakeholders"],
  ["daily-rescore", "health"], ["exception-report", "handoff"],
  ...Object.keys(SERVICES).map((s) => [s, "mariadb"]),
];
const PORTS = { ...SERVICES, mariadb: 3306 };
const DRAIN_DEADLINE_SECONDS = 10;
const PROBE_PORT = 50060;
// Settings every service must have: TLS, client certificates, token verification, its own token.
const SECURITY_SETTINGS = ["FLYWHEEL_TLS_CERT_FILE", "FLYWHEEL_TLS_KEY_FILE", "FLYWHEEL_TLS_CLIENT_CA_FILE",
  "FLYWHEEL_TLS_CA_FILE", "FLYWHEEL_JWT_RS256_PUBLIC_KEY_FILE", "FLYWHEEL_SERVICE_TOKEN_FILE"];

function render(overlay) {
  if (overlay === "dev") execFileSync(`${root}/overlays/dev/make-secrets.sh`, { stdio: "inherit" });
  const text = execFileSync("kubectl", ["kustomize", `${root}/overlays/${overlay}`], { encoding: "utf8" });
  return parseAllDocuments(text).map((d) => d.toJSON()).filter(Boolean);
}

async function validate(obj, where) {
  // kustomize writes long Secret values as base64 wrapped over lines, which the API server
  // decodes (Go's base64 skips newlines) but the schema's "byte" format does not accept.
  if (obj.kind === "Secret" && obj.data) {
    obj = { ...obj, data: Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, v.replace(/\s+/g, "")])) };
  }
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
  let model;
  try {
    model = (await import(path))[obj.kind];
  } catch (e) {
    check(false, `${where}: no schema for ${obj.apiVersion} ${obj.kind}`);
    return;
  }
  try {
    new model(obj).validate();
    check(true, "");
  } catch (e) {
    check(false, `${where}: ${e.message}`);
  }
}

function podSpecOf(obj) {
  if (obj.kind === "Deployment" || obj.kind === "StatefulSet") return obj.spec.template.spec;
  if (obj.kind === "CronJob") return obj.spec.jobTemplate.spec.template.spec;
  return null;
}

function checkWorkload(obj, where, objects) {
  const pod = podSpecOf(obj);
  const psc = pod.securityContext || {};
  check(psc.runAsNonRoot === true, `${where}: pod runAsNonRoot`);
  check(psc.seccompProfile?.type === "RuntimeDefault", `${where}: seccomp RuntimeDefault`);
  for (const c of pod.containers) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext || {};
    check(sc.allowPrivilegeEscalation === false, `${at}: allowPrivilegeEscalation false`);
    check(sc.readOnlyRootFilesystem === true, `${at}: readOnlyRootFilesystem`);
    check(JSON.stringify(sc.capabilities?.drop) === '["ALL"]', `${at}: drop ALL capabilities`);
    check(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${at}: cpu and memory requests`);
    check(c.resources?.limits?.cpu && c.resources?.limits?.memory, `${at}: cpu and memory limits`);
    const tag = c.image.includes("@") ? "digest" : c.image.split("/").pop().split(":")[1];
    check(tag && tag !== "latest", `${at}: image ${c.image} has a pinned tag`);
  }
  if (obj.kind !== "Deployment") return;
  const c = pod.containers[0];
  check(c.readinessProbe?.grpc?.port === PROBE_PORT, `${where}: gRPC readiness probe on the probe port`);
  check(c.livenessProbe?.grpc?.port === PROBE_PORT, `${where}: gRPC liveness probe on the probe port`);
  const config = {};
  for (const source of c.envFrom ?? []) {
    const map = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === source.configMapRef?.name);
    Object.assign(config, map?.data ?? {});
  }
  check(config.FLYWHEEL_PROBE_LISTEN?.endsWith(`:${PROBE_PORT}`), `${where}: serves probes on ${PROBE_PORT}`);
  const mounts = (c.volumeMounts ?? []).map((m) => m.mountPath);
  for (const name of SECURITY_SETTINGS) {
    const path = config[name];
    check(path && mounts.some((m) => path.startsWith(m + "/")), `${where}: ${name} names a file of a mounted Secret`);
  }
  check(c.livenessProbe?.grpc?.service === "liveness", `${where}: liveness probes the "liveness" service`);
  const pause = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
  check(pause > 0, `${where}: preStop pause`);
  check(pod.terminationGracePeriodSeconds > DRAIN_DEADLINE_SECONDS + pause,
        `${where}: terminationGracePeriodSeconds longer than drain deadline + pause`);
  check(obj.spec.template.metadata.annotations?.["prometheus.io/scrape"] === "true", `${where}: scrape annotation`);
}

// The (from, to, port) edges the policies allow between the project's pods (by name label).
function allowedEdges(objects) {
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  const names = (selector) => (selector?.matchLabels?.["app.kubernetes.io/name"] ? [selector.matchLabels["app.kubernetes.io/name"]] : []);
  const ingress = new Set(), egress = new Set();
  for (const p of policies) {
    for (const target of names(p.spec.podSelector)) {
      for (const rule of p.spec.ingress ?? []) {
        for (const peer of rule.from ?? []) {
          if (peer.namespaceSelector) continue;  // other namespaces (metrics scraping)
          for (const from of names(peer.podSelector)) for (const port of rule.ports ?? []) ingress.add(`${from}->${target}:${port.port}`);
        }
      }
      for (const rule of p.spec.egress ?? []) {
        for (const peer of rule.to ?? []) {
          if (peer.namespaceSelector) continue;  // DNS
          for (const to of names(peer.podSelector)) for (const port of rule.ports ?? []) egress.add(`${target}->${to}:${port.port}`);
        }
      }
    }
  }
  return { ingress, egress };
}

// Bytes of a Kubernetes quantity ("2Gi") or a MariaDB size ("1G", "256M").
function bytes(size) {
  const m = /^(\d+)([KMGT]i?)?$/.exec(String(size));
  if (!m) return NaN;
  return Number(m[1]) * 1024 ** (" KMGT".indexOf((m[2] ?? " ")[0]));
}

// The server settings come from the generated ConfigMap; the buffer pool (mariadb.cnf's, or an
// overlay's --innodb-buffer-pool-size) must leave at least half the memory limit for
// connections and the server's other buffers, or the pod is killed under load.
function checkMariaDb(objects, overlay) {
  const db = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "mariadb");
  const c = db?.spec.template.spec.containers[0];
  const mount = (c?.volumeMounts ?? []).find((m) => m.mountPath.startsWith("/etc/mysql/conf.d/"));
  const volume = db?.spec.template.spec.volumes.find((v) => v.name === mount?.name);
  const map = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume?.configMap?.name);
  const cnf = map?.data?.[mount?.subPath] ?? "";
  check(cnf === readFileSync(`${root}/base/mariadb.cnf`, "utf8"), `${overlay}: MariaDB reads mariadb.cnf from its ConfigMap`);
  const fromArgs = (c?.args ?? []).map((a) => /^--innodb[-_]buffer[-_]pool[-_]size=(.+)$/.exec(a)?.[1]).find(Boolean);
  const pool = bytes(fromArgs ?? /^innodb_buffer_pool_size\s*=\s*(\S+)$/m.exec(cnf)?.[1]);
  const limit = bytes(c?.resources?.limits?.memory);
  check(pool > 0 && pool <= limit / 2, `${overlay}: MariaDB buffer pool (${pool} bytes) fits half its memory limit (${limit})`);
}

for (const overlay of ["dev", "prod"]) {
  let objects;
  try {
    objects = render(overlay);
  } catch (e) {
    check(false, `${overlay}: kubectl kustomize failed: ${e.message}`);
    continue;
  }
  check(objects.length > 0, `${overlay}: renders objects`);
  for (const obj of objects) {
    const where = `${overlay} ${obj.kind}/${obj.metadata.name}`;
    await validate(obj, where);
    if (podSpecOf(obj)) checkWorkload(obj, where, objects);
  }
  checkMariaDb(objects, overlay);
  const deployments = objects.filter((o) => o.kind === "Deployment");
  check(deployments.map((d) => d.metadata.name).sort().join() === Object.keys(SERVICES).sort().join(),
        `${overlay}: one Deployment per service`);
  for (const name of Object.keys(SERVICES)) {
    const svc = objects.find((o) => o.kind === "Service" && o.metadata.name === name);
    check(svc?.spec.clusterIP === "None" && svc?.spec.ports.some((p) => p.name === "grpc" && p.port === SERVICES[name]),
          `${overlay}: headless Service ${name} with a port named grpc`);
  }
  // The day's rescore runs before the report, both as Indexed Jobs of shards.
  const crons = Object.fromEntries(objects.filter((o) => o.kind === "CronJob").map((c) => [c.metadata.name, c]));
  check(Object.keys(crons).sort().join() === "daily-rescore,exception-report", `${overlay}: the rescore and report CronJobs`);
  for (const [name, verb] of [["daily-rescore", "rescore"], ["exception-report", "exceptions"]]) {
    const cron = crons[name];
    const job = cron?.spec.jobTemplate.spec;
    const args = cron?.spec.jobTemplate.spec.template.spec.containers[0].args ?? [];
    check(job?.completionMode === "Indexed", `${overlay}: ${name} job is Indexed`);
    check(args.includes(verb) && args.includes(`--shard=$(JOB_COMPLETION_INDEX)/${job?.completions}`),
          `${overlay}: ${name} runs ${verb} with a shard count that matches completions`);
  }
  const minutes = (c) => { const [m, h] = (c?.spec.schedule ?? "").split(" "); return Number(h) * 60 + Number(m); };
  check(crons["daily-rescore"]?.spec.timeZone === crons["exception-report"]?.spec.timeZone &&
        minutes(crons["daily-rescore"]) < minutes(crons["exception-report"]),
        `${overlay}: the day's rescore is scheduled before the report`);
  if (overlay === "prod") {
    for (const d of deployments) {
      const name = d.metadata.name;
      check(d.spec.replicas === 3, `prod: ${name} has 3 replicas`);
      check((d.spec.template.spec.topologySpreadConstraints ?? []).length > 0, `prod: ${name} spreads`);
      check(objects.some((o) => o.kind === "HorizontalPodAutoscaler" && o.spec.scaleTargetRef.name === name), `prod: ${name} has an HPA`);
      check(objects.some((o) => o.kind === "PodDisruptionBudget" && o.spec.selector.matchLabels["app.kubernetes.io/name"] === name),
            `prod: ${name} has a PDB`);
    }
    check(objects.some((o) => o.kind === "NetworkPolicy" && Object.keys(o.spec.podSelector).length === 0 &&
                              o.spec.policyTypes.includes("Ingress") && o.spec.policyTypes.includes("Egress") && !o.spec.ingress && !o.spec.egress),
          "prod: a default-deny policy");
    const expected = new Set(CALLS.map(([from, to]) => `${from}->${to}:${PORTS[to]}`));
    const { ingress, egress } = allowedEdges(objects);
    const ingressToServed = new Set([...ingress]);
    const show = (s) => [...s].sort().join(", ");
    check(show(egress) === show(expected), `prod: egress edges are the call graph (got ${show(egress)})`);
    check(show(ingressToServed) === show(expected), `prod: ingress edges are the call graph (got ${show(ingressToServed)})`);
  }
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(`${checks - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
