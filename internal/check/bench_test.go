package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// benchManifest is a realistic Deployment + Service pair with a few
// violations, varied by i.
func benchManifest(i int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-%[1]d
  namespace: team-%[2]d
  labels:
    app.kubernetes.io/name: svc-%[1]d
spec:
  replicas: %[3]d
  selector:
    matchLabels:
      app.kubernetes.io/name: svc-%[1]d
  template:
    metadata:
      labels:
        app.kubernetes.io/name: svc-%[1]d
        app.kubernetes.io/version: "1.%[1]d"
      annotations:
        prometheus.io/scrape: "true"
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: app
          image: registry.example.com/svc-%[1]d:1.%[1]d
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: http://collector:4317
            - name: LOG_LEVEL
              value: info
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          readinessProbe:
            httpGet: {path: /ready, port: http}
          livenessProbe:
            httpGet: {path: /live, port: http}
            failureThreshold: 6
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            privileged: %[4]t
            capabilities:
              drop: [ALL]
---
apiVersion: v1
kind: Service
metadata:
  name: svc-%[1]d
  namespace: team-%[2]d
spec:
  selector:
    app.kubernetes.io/name: svc-%[1]d
  ports:
    - port: 80
      targetPort: http
`, i, i%7, 1+i%3, i%10 == 0)
}

// writeCorpus writes files manifests of two documents each.
func writeCorpus(b *testing.B, files int) string {
	b.Helper()
	dir := b.TempDir()
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%50), fmt.Sprintf("svc-%d.yaml", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(benchManifest(i)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkRun checks a corpus of 2,500 files (5,000 Kubernetes documents)
// with every built-in rule on, and reports documents per second.
func BenchmarkRun(b *testing.B) {
	const files = 2500
	dir := writeCorpus(b, files)
	var docs int
	for b.Loop() {
		res, err := Run(context.Background(), Options{Paths: []string{dir}})
		if err != nil {
			b.Fatal(err)
		}
		docs = res.Documents
	}
	if docs != 2*files {
		b.Fatalf("checked %d documents, want %d", docs, 2*files)
	}
	b.ReportMetric(float64(docs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
