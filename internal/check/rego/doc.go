// Package rego runs Conftest-compatible custom policies, written in Rego,
// on the documents opsloop check reads.
//
// # Usage
//
//	p, err := rego.Load(ctx, rego.Options{Dirs: []string{"policy"}})
//	if err != nil { ... } // names file:line of a policy that does not compile
//	res, err := check.Run(ctx, check.Options{Paths: paths, Policies: []check.Policy{p}})
//
// [Load] reads every .rego file under the directories, parses each as Rego
// v1 and, when that fails, as Rego v0 (the syntax of most existing Conftest
// policy libraries: deny[msg] { ... }), and compiles them all once. The
// modules of one set may mix both versions.
//
// # Rules
//
// As in Conftest, the rules evaluated are those of the selected namespaces
// (packages; "main" unless [Options.Namespaces] or
// [Options.AllNamespaces] says otherwise) whose names match deny, violation
// or warn, alone or followed by _suffix parts (deny_run_as_root). A rule
// yields strings, or objects with a string msg and optional fields. Each
// result is one [check.Finding]:
//
//   - RuleID and RuleName are "<namespace>.<rule>", e.g. "main.deny" or
//     "kubernetes.warn_latest_tag"; suppressions and baselines use it.
//   - Severity is high for deny and violation rules and medium for warn
//     rules, unless the result object has a severity field (info, low,
//     medium, high, critical; also error, warning and note).
//   - Family is [check.FamilyPolicy]; Title is the rule name in words, or
//     the result's title field; Remediation is its remediation field.
//   - The position is the start of the document unless the result says
//     where: Conftest's _loc object ({"line": 12, "column": 5}), a line
//     field, or a path field naming the offending value, either as an
//     array (["spec", "template", "spec", "containers", 0, "image"]) or as
//     a string ("spec.template.spec.containers[0].image"). Paths resolve in
//     YAML and JSON documents, in Terraform files (through the input shape
//     below, e.g. ["resource", "aws_s3_bucket", "logs", 0, "acl"]) and in
//     Dockerfiles (the index of the instruction in input).
//
// Conftest's exception rules are honoured: when data.<namespace>.exception
// holds a collection containing a rule's name without its deny_, warn_ or
// violation_ prefix ("run_as_root" for deny_run_as_root; "" for a plain
// deny), that rule's results for the document are dropped.
//
// # Input
//
// Policies see input in the shapes Conftest gives them:
//
//   - A YAML or JSON document is its plain value. A stream of several YAML
//     documents is checked one document at a time, as Conftest does by
//     default (without --combine): input is a single document, never the
//     array of all of them. Unlike Conftest, opsloop reads YAML as YAML
//     1.2 (yes and on stay strings) and checks the items of a Kubernetes
//     List one by one.
//   - A Terraform file is the hcl2json conversion Conftest uses: blocks
//     nest by type and then by each label, and the innermost level is an
//     array of block bodies (input.resource.aws_s3_bucket.logs[0].acl);
//     nested blocks are arrays too; literal values keep their JSON types;
//     anything else is its source text wrapped in "${...}".
//   - A Dockerfile is an array of instructions, each an object with Cmd
//     (lower-cased), SubCmd (for ONBUILD), JSON (exec form), Flags
//     (["--from=build"]), Value (the arguments) and Stage (the 0-based index
//     of the build stage); comments come as Cmd "comment".
//
// [Options.Data] files (YAML or JSON) are loaded under data as with
// conftest --data, and data.conftest.file is {"name": ..., "dir": ...} of
// the file being checked, as in Conftest. opa.runtime().env holds the
// environment.
//
// # Concurrency
//
// A [Policies] value is immutable after [Load]; Eval may be called from
// several goroutines at once. Each document costs a single query, prepared
// once at load time, that evaluates every selected rule and exception.
package rego
