package check

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// yamlFuzzSeeds are hand-written inputs that stress the YAML path: real
// manifests of every format rules read, wrong types where rules expect
// maps and lists, a YAML bomb and deep nesting.
var yamlFuzzSeeds = []string{
	`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    opsloop.dev/ignore: K8S001 reason
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{containerPort: 80}]
          securityContext: {privileged: true}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
`,
	`apiVersion: v1
kind: List
items:
  - apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: {name: r}
    spec:
      http:
        - retries: {attempts: 99999999999999999999, perTryTimeout: 1h}
          timeout: -1s
  - apiVersion: networking.istio.io/v1
    kind: DestinationRule
    metadata: {name: d}
    spec: {host: d, subsets: [null, 1, {name: v1, trafficPolicy: []}]}
`,
	`groups:
  - name: g
    interval: 99999999999999999999y
    rules:
      - alert: A
        expr: vector(1
        for: [1]
        labels: 5
        annotations: [x]
      - record: ""
      - null
      - 7
`,
	`receivers: {otlp: {protocols: {grpc: {endpoint: "[::"}, http: null}}}
processors: [memory_limiter]
exporters: {debug: null}
connectors: {x: {}}
service:
  extensions: {a: b}
  pipelines:
    traces: {receivers: otlp, processors: {memory_limiter: 1}, exporters: [debug, x, [y]]}
    "": {receivers: [x], exporters: [x]}
    /: null
`,
	// Wrong types everywhere a rule looks.
	`apiVersion: apps/v1
kind: Deployment
metadata: []
spec:
  template:
    spec:
      containers: "web"
      initContainers: [1, null, [2]]
      volumes: {a: b}
`,
	// A billion laughs: nine levels of nine aliases. Rules must walk it
	// without expanding it.
	`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
apiVersion: v1
kind: ConfigMap
metadata: {name: lol, labels: *i}
data: *i
`,
	// A bomb aimed at the shapes rules iterate: groups, rules, pipelines.
	`r: &r {alert: A, expr: up, labels: &l {severity: x}, annotations: *l}
rs: &rs [*r,*r,*r,*r,*r,*r,*r,*r,*r,*r,*r,*r,*r,*r,*r,*r]
g: &g {name: g, rules: *rs}
groups: [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
`,
	`merge: &m {<<: *m}
self: &s [*s]
`,
	`base: &base {apiVersion: v1, kind: Pod}
<<: *base
metadata: {name: merged}
spec: {containers: [{<<: *base, name: c}]}
`,
	"---\n---\nnull\n--- 5\n--- [1, 2]\n--- !!binary aGVsbG8=\n",
	"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"\\u0000\"}]}}",
	"\ufeffkind: Pod\napiVersion: v1\n\tspec: x\n",
}

// yamlFuzzDeep returns documents nested depth levels deep in flow and
// block style.
func yamlFuzzDeep(depth int) []string {
	flow := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	maps := strings.Repeat("{a: ", depth) + "1" + strings.Repeat("}", depth)
	var block strings.Builder
	block.WriteString("apiVersion: v1\nkind: Pod\nspec:\n")
	for i := range 200 {
		block.WriteString(strings.Repeat("  ", i+1) + "containers:\n")
	}
	return []string{flow, maps, "spec: " + maps, block.String()}
}

// FuzzYAMLDocuments feeds arbitrary bytes through parseFile as a .yaml
// file and runs every built-in rule (Kubernetes, Document and Set hooks)
// on the documents, as a run does. It fails on a panic and on a finding
// without a usable position. The seed corpus is yamlFuzzSeeds, deep
// nesting and every YAML file of the rule fixtures.
func FuzzYAMLDocuments(f *testing.F) {
	for _, s := range yamlFuzzSeeds {
		f.Add([]byte(s))
	}
	for _, s := range yamlFuzzDeep(1500) {
		f.Add([]byte(s))
	}
	fixtures, err := filepath.Glob(filepath.Join("testdata", "rules", "*.txtar"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range fixtures {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if ext := filepath.Ext(file.Name); ext == ".yaml" || ext == ".yml" || ext == ".json" {
				f.Add(file.Data)
			}
		}
	}
	rules := activeRules(Config{})
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, _ := parseFile("fuzz.yaml", data)
		e := &engine{log: slog.New(slog.DiscardHandler), rules: rules, index: &Index{}, workers: 1}
		for _, d := range docs {
			e.checkDoc(context.Background(), d, nil, nil)
		}
		e.runSetRules()
		for _, fd := range e.result().Findings {
			if fd.Line < 1 || fd.Column < 1 {
				t.Errorf("%s at %d:%d: %s", fd.RuleID, fd.Line, fd.Column, fd.Message)
			}
			if fd.File != "fuzz.yaml" {
				t.Errorf("%s reported in file %q", fd.RuleID, fd.File)
			}
		}
	})
}
