// Package metrics stores OpenTelemetry metrics in an embedded Prometheus
// TSDB and answers PromQL over them, both in process ([DB.Engine] with
// [DB.Queryable], for rule evaluation) and over HTTP through a subset of
// the Prometheus query API ([DB.RegisterAPI]) that Grafana can use as a
// Prometheus data source.
//
// # Usage
//
//	db, err := metrics.Open(ctx, metrics.Options{Dir: dir, Logger: logger})
//	...
//	defer db.Close()
//	rejected, msg, err := db.AddOTLP(ctx, md) // from an OTLP export request
//	db.RegisterAPI(mux)                     // /api/v1/query, /api/v1/query_range, ...
//
// OTLP metrics are translated by Prometheus's own OTLP translator
// (storage/remote/otlptranslator/prometheusremotewrite), with the settings
// Prometheus uses by default for its OTLP receiver: names are escaped to
// the classic Prometheus character set and get type and unit suffixes, so a
// monotonic sum "http.server.requests" with unit "1" becomes
// "http_server_requests_total", and a histogram "http.server.duration" with
// unit "s" becomes "http_server_duration_seconds_bucket", "_sum" and
// "_count". Resource attributes service.name and service.instance.id become
// the job and instance labels; the other resource attributes are kept in a
// target_info series. Delta temporality is refused, as Prometheus does
// unless told otherwise.
//
// # Durability
//
// Every AddOTLP call appends through one TSDB appender and commits it before
// returning. A commit writes the samples to the write-ahead log (WAL) in
// Dir/wal with write(2) before they become visible to queries, and Open
// replays the WAL, so committed samples survive a restart and a kill -9 of
// this process: the data is already in the kernel's page cache. What a
// kill -9 loses is only a call still in flight (its samples are either all
// in the WAL or, if it had not committed, none are). The TSDB does not
// fsync on commit: Prometheus's storage documentation promises only that
// the in-memory head block "is secured against crashes by a write-ahead
// log", and its WAL code fsyncs a segment when the segment is complete
// (128 MiB) and at checkpoints. A power loss or kernel crash can therefore
// lose the samples committed since the last completed segment. Prometheus
// also documents that non-POSIX file systems (such as NFS) are not
// supported.
//
// # Concurrency properties
//
// All methods of [DB] are safe for concurrent use. Each AddOTLP call uses
// its own appender and its own translator, so concurrent calls do not block
// each other beyond the TSDB's own per-series locking. Queries see only
// committed samples (TSDB isolation).
package metrics
