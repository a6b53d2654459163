package check

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
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
func writeCorpus(b testing.TB, files int) string {
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

// BenchmarkRunLarge checks 10,000 files (20,000 Kubernetes documents) with
// every built-in rule on. Besides documents per second it reports the
// peak heap seen during a run (live and not yet collected objects,
// sampled) and the corpus size, to show that memory follows the index and
// the findings, not the text read.
func BenchmarkRunLarge(b *testing.B) {
	const files = 10000
	dir := writeCorpus(b, files)
	corpus := dirSize(b, dir)
	var docs int
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := sampleHeap(&peak)
		res, err := Run(context.Background(), Options{Paths: []string{dir}})
		stop()
		if err != nil {
			b.Fatal(err)
		}
		docs = res.Documents
	}
	if docs != 2*files {
		b.Fatalf("checked %d documents, want %d", docs, 2*files)
	}
	b.ReportMetric(float64(docs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(corpus)/(1<<20), "corpus-MiB")
}

// sampleHeap records the largest heap seen in *peak until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	const metric = "/memory/classes/heap/objects:bytes"
	sample := []metrics.Sample{{Name: metric}}
	read := func() {
		metrics.Read(sample)
		*peak = max(*peak, sample[0].Value.Uint64())
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		read()
	}
}

func dirSize(tb testing.TB, dir string) int64 {
	tb.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestRunRetainsNoDocuments checks that a run keeps facts, not documents:
// once every file was checked, when only the consistency rules are left to
// run, the heap must have grown by far less than the text read. A document
// tree is several times larger than its text, so keeping trees, or the
// bytes of files, in the index, the findings or the engine would fail this
// by a wide margin.
func TestRunRetainsNoDocuments(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 7 MiB of manifests")
	}
	e := &engine{log: slog.New(slog.DiscardHandler), rules: activeRules(Config{}), index: &Index{}, workers: 1}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var corpus int64
	for i := range 24 {
		data := []byte(bigManifest(i))
		corpus += int64(len(data))
		e.checkFile(context.Background(), fmt.Sprintf("big-%d.yaml", i), "", data, nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	e.runSetRules()
	res := e.result()
	if res.Documents != 72 || len(e.index.Objects) != 72 {
		t.Fatalf("checked %d documents and indexed %d objects, want 72", res.Documents, len(e.index.Objects))
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("corpus %d KiB, heap grown by %d KiB, %d findings", corpus>>10, grown>>10, len(res.Findings))
	if grown > corpus/8 {
		t.Errorf("heap grew by %d KiB while checking %d KiB of manifests: the run keeps documents, not facts", grown>>10, corpus>>10)
	}
}

// bigManifest is a ConfigMap with a large data section, then the
// Deployment and Service of benchManifest: about 300 KiB of text, few
// facts.
func bigManifest(i int) string {
	var b []byte
	b = fmt.Appendf(b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-%d\n  namespace: team-%d\ndata:\n", i, i%3)
	for k := range 4000 {
		b = fmt.Appendf(b, "  key-%d: \"value %d of a fairly long configuration entry for map %d\"\n", k, k, i)
	}
	b = fmt.Appendf(b, "---\n%s", benchManifest(i))
	return string(b)
}
