package check

import (
	"slices"
	"strconv"
	"strings"
)

// Dockerfile rules. Each reports at the token it objects to (the image
// reference, the curl word, the ENV key) and scopes findings to the stage's
// FROM line, so "# opsloop:ignore DF001 reason" above FROM covers a stage.

func init() {
	register(
		&Rule{
			ID:        "DF001",
			Name:      "dockerfile-root-user",
			Title:     "Image runs as root",
			Severity:  SeverityHigh,
			Family:    FamilySecurity,
			Rationale: "A process running as root in the container is root on the host's kernel too: a container escape or a writable host mount becomes full node compromise. The final stage decides the user of the image.",
			Remediation: "Create an unprivileged user and switch to it at the end of the final stage: " +
				"`RUN useradd --system --uid 10001 app` then `USER 10001`, or `USER 65532` on scratch and distroless images.",
			Formats:  []Format{FormatDockerfile},
			Document: dfRootUser,
		},
		&Rule{
			ID:          "DF002",
			Name:        "dockerfile-latest-tag",
			Title:       "Base image uses the latest tag or no tag",
			Severity:    SeverityMedium,
			Family:      FamilyReliability,
			Rationale:   "An untagged or :latest base image changes under you: two builds of the same commit produce different images, and a rebuild for a hotfix can pull in a new major version.",
			Remediation: "Pin the base image to a version tag, ideally with its digest: `FROM node:22.11-bookworm-slim@sha256:<digest>`.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfLatestTag,
		},
		&Rule{
			ID:          "DF003",
			Name:        "dockerfile-image-digest",
			Title:       "Base image is not pinned by digest",
			Severity:    SeverityLow,
			Family:      FamilySecurity,
			Rationale:   "Tags are mutable: a registry compromise or a re-pushed tag silently changes what you build on. A digest pins the exact bytes, and tools such as Renovate or Dependabot keep it current.",
			Remediation: "Append the digest to the reference: `FROM python:3.13-slim@sha256:<digest>` (docker buildx imagetools inspect python:3.13-slim prints it).",
			Formats:     []Format{FormatDockerfile},
			Document:    dfImageDigest,
		},
		&Rule{
			ID:          "DF004",
			Name:        "dockerfile-add-remote-url",
			Title:       "ADD downloads a remote URL without a checksum",
			Severity:    SeverityMedium,
			Family:      FamilySecurity,
			Rationale:   "ADD fetches the URL at build time and trusts whatever comes back; a compromised or changed download lands in the image unnoticed and the build is not reproducible.",
			Remediation: "Verify the download: `ADD --checksum=sha256:<hash> https://example.com/tool.tar.gz /tmp/`, or fetch it in a RUN with curl and check it with sha256sum -c.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfAddRemote,
		},
		&Rule{
			ID:          "DF005",
			Name:        "dockerfile-curl-pipe-shell",
			Title:       "RUN pipes a download into a shell",
			Severity:    SeverityHigh,
			Family:      FamilySecurity,
			Rationale:   "curl | sh runs whatever the server returns at build time, with no integrity check: a compromised host, a DNS hijack or a truncated download executes arbitrary code in the build and ships it in the image.",
			Remediation: "Download to a file, verify it, then run it: `curl -fsSLo install.sh URL && echo \"<sha256>  install.sh\" | sha256sum -c - && sh install.sh`; better, install a pinned package.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfCurlPipeShell,
		},
		&Rule{
			ID:          "DF006",
			Name:        "dockerfile-secret-in-env",
			Title:       "Secret baked into ENV or ARG",
			Severity:    SeverityHigh,
			Family:      FamilySecurity,
			Rationale:   "ENV values are stored in the image config and ARG values in its history; anyone who can pull the image can read them with docker inspect or docker history.",
			Remediation: "Pass secrets at build time with a secret mount (`RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci`) and at run time through the orchestrator's secret store.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfSecretEnv,
		},
		&Rule{
			ID:          "DF007",
			Name:        "dockerfile-apt-get-hygiene",
			Title:       "apt-get install keeps recommends or package lists",
			Severity:    SeverityLow,
			Family:      FamilyReliability,
			Rationale:   "Recommended packages and the apt lists add tens of megabytes and extra attack surface to every pull of the image; stale lists cached in a layer also make later installs use outdated indexes.",
			Remediation: "Install in one RUN and clean up in the same layer: `RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*`.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfAptGet,
		},
		&Rule{
			ID:          "DF008",
			Name:        "dockerfile-sudo",
			Title:       "RUN uses sudo",
			Severity:    SeverityMedium,
			Family:      FamilySecurity,
			Rationale:   "Build steps already run as the current USER; sudo in an image means the sudo binary and a sudoers rule ship with it, giving any process in the container a path back to root.",
			Remediation: "Run privileged steps before switching user (`USER root` ... `USER app`), and do not install sudo in the image.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfSudo,
		},
		&Rule{
			ID:          "DF009",
			Name:        "dockerfile-healthcheck",
			Title:       "Image has no HEALTHCHECK",
			Severity:    SeverityInfo,
			Family:      FamilyReliability,
			Rationale:   "Docker and Swarm only restart a hung container when the image says how to check it; Kubernetes ignores HEALTHCHECK and uses probes instead, so this is advice for images run outside Kubernetes.",
			Remediation: "Add a cheap check to the final stage, e.g. `HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://localhost:8080/healthz || exit 1`, or `HEALTHCHECK NONE` to state that probes live elsewhere.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfHealthcheck,
		},
		&Rule{
			ID:          "DF010",
			Name:        "dockerfile-maintainer",
			Title:       "MAINTAINER is deprecated",
			Severity:    SeverityInfo,
			Family:      FamilyConsistency,
			Rationale:   "MAINTAINER has been deprecated since Docker 1.13; tools that read image metadata look for the OCI authors label instead.",
			Remediation: "Replace it with `LABEL org.opencontainers.image.authors=\"team@example.com\"`.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfMaintainer,
		},
		&Rule{
			ID:          "DF011",
			Name:        "dockerfile-relative-workdir",
			Title:       "WORKDIR uses a relative path",
			Severity:    SeverityLow,
			Family:      FamilyReliability,
			Rationale:   "A relative WORKDIR resolves against whatever the previous WORKDIR was, including one set by the base image, so a base image update can move where files land and break the container.",
			Remediation: "Use an absolute path: `WORKDIR /app`.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfRelativeWorkdir,
		},
		&Rule{
			ID:          "DF012",
			Name:        "dockerfile-expose-ssh",
			Title:       "Image exposes SSH port 22",
			Severity:    SeverityMedium,
			Family:      FamilySecurity,
			Rationale:   "An SSH server in a container is a second, long-lived way in that bypasses the orchestrator's access control and audit logs, and usually comes with keys or passwords baked into the image.",
			Remediation: "Remove the SSH server and EXPOSE 22; use kubectl exec or docker exec for debugging.",
			Formats:     []Format{FormatDockerfile},
			Document:    dfExposeSSH,
		},
	)
}

// dfRef names the stage for findings.
func dfRef(s *DockerStage) Object {
	name := s.Name
	if name == "" {
		name = s.Image
	}
	return Object{Kind: "Stage", Name: name}
}

// dfIn says which stage a message is about: ` in stage "build"`, or
// nothing for a stage without a name.
func dfIn(s *DockerStage) string {
	if s == nil || s.Name == "" {
		return ""
	}
	return " in stage " + strconv.Quote(s.Name)
}

// dfStageName describes a stage in messages.
func dfStageName(s *DockerStage) string {
	if s.Name != "" {
		return strconv.Quote(s.Name)
	}
	return strconv.Quote(s.Image)
}

// dfImageRef splits an image reference into repository, tag and digest.
func dfImageRef(ref string) (repo, tag, digest string) {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref, tag = ref[:i], ref[i+1:]
	}
	return ref, tag, digest
}

// dfBaseImages calls fn for every stage built from an image that can be
// judged: not scratch, not an earlier stage, and with every build
// argument known.
func dfBaseImages(df *DockerfileAST, fn func(s *DockerStage, image string)) {
	for _, s := range df.Stages {
		if s.Image == "" || df.Base(s) != nil {
			continue
		}
		image, ok := df.ResolveImage(s)
		if !ok || strings.EqualFold(image, "scratch") {
			continue
		}
		fn(s, image)
	}
}

func dfLatestTag(c *Context, d *Document) {
	df := d.Dockerfile
	dfBaseImages(df, func(s *DockerStage, image string) {
		_, tag, digest := dfImageRef(image)
		if digest != "" || (tag != "" && tag != "latest") {
			return
		}
		c.Scope(s.From.StartLine)
		what := "no tag, so it means :latest"
		if tag == "latest" {
			what = "the :latest tag"
		}
		shown := image
		if image != s.Image {
			shown = s.Image + " (" + image + ")"
		}
		c.ReportAt(df.Pos(s.From, s.Image), dfRef(s), "FROM %s%s has %s", shown, dfIn(s), what)
	})
}

func dfImageDigest(c *Context, d *Document) {
	df := d.Dockerfile
	dfBaseImages(df, func(s *DockerStage, image string) {
		_, tag, digest := dfImageRef(image)
		// Untagged and :latest images are DF002's, which says more.
		if digest != "" || tag == "" || tag == "latest" {
			return
		}
		c.Scope(s.From.StartLine)
		c.ReportAt(df.Pos(s.From, s.Image), dfRef(s), "base image %s%s is pinned by tag only, not by digest", image, dfIn(s))
	})
}

// dfIsRootUser reports whether a USER value names root.
func dfIsRootUser(u string) bool {
	u = dfUnquote(strings.TrimSpace(u))
	user, _, _ := strings.Cut(u, ":")
	return user == "root" || user == "0"
}

func dfRootUser(c *Context, d *Document) {
	df := d.Dockerfile
	final := df.Final()
	if final == nil {
		return
	}
	lineage := df.Lineage(final)
	for _, s := range lineage {
		for _, in := range slices.Backward(s.Instructions) {
			if in.Cmd != "user" || len(in.Args) == 0 {
				continue
			}
			if dfIsRootUser(in.Args[0]) {
				c.Scope(s.From.StartLine)
				c.ReportAt(df.Pos(in, strings.Fields(in.Args[0])[0]), dfRef(s), "USER %s%s is the last USER of the image, so it runs as root", strings.TrimSpace(in.Args[0]), dfIn(s))
			}
			return
		}
	}
	// No USER anywhere: the base image's user applies. Images that say
	// nonroot in their reference run as an unprivileged user, and Windows
	// images have no root user.
	base := lineage[len(lineage)-1]
	image, _ := df.ResolveImage(base)
	image = strings.ToLower(image)
	if strings.Contains(image, "nonroot") || strings.Contains(image, "windows/") || strings.Contains(image, "nanoserver") || strings.Contains(image, "servercore") {
		return
	}
	c.Scope(final.From.StartLine)
	c.ReportAt(df.Pos(final.From, ""), dfRef(final), "final stage %s sets no USER, so the image runs as the base image's user, root by default", dfStageName(final))
}

func dfAddRemote(c *Context, d *Document) {
	df := d.Dockerfile
	for _, s := range df.Stages {
		for _, in := range s.Instructions {
			if in.Cmd != "add" || len(in.Args) < 2 || dfFlagValue(in.Flags, "checksum") != "" {
				continue
			}
			for _, src := range in.Args[:len(in.Args)-1] {
				lower := strings.ToLower(src)
				if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
					c.Scope(s.From.StartLine)
					c.ReportAt(df.Pos(in, src), dfRef(s), "ADD downloads %s without --checksum", src)
				}
			}
		}
	}
}

// shRunsStdin reports whether c executes a script read from standard input:
// a shell without -c, or an interpreter given no script ("python3" or
// "python3 -"), not one that filters its input ("python3 -c ...").
func shRunsStdin(c *shellCmd) bool {
	if shShells[c.argv0] {
		return !c.hasWord("-c")
	}
	if shInterpreters[c.argv0] {
		return len(c.words) == 1 || c.words[1] == "-"
	}
	return false
}

// shInterpreters run a script from standard input when given none.
var shInterpreters = map[string]bool{
	"python": true, "python2": true, "python3": true, "perl": true, "ruby": true, "node": true, "php": true,
}

// dfRuns calls fn for every RUN instruction of the given stages with its
// script and commands.
func dfRuns(stages []*DockerStage, fn func(s *DockerStage, in *DockerInstruction, script string, cmds []shellCmd)) {
	for _, s := range stages {
		for _, in := range s.Instructions {
			if in.Cmd != "run" {
				continue
			}
			script := in.Script()
			fn(s, in, script, splitShell(script))
		}
	}
}

var shDownloaders = map[string]bool{"curl": true, "wget": true}

func dfCurlPipeShell(c *Context, d *Document) {
	df := d.Dockerfile
	dfRuns(df.Stages, func(s *DockerStage, in *DockerInstruction, script string, cmds []shellCmd) {
		for i := range cmds {
			cmd := &cmds[i]
			if shDownloaders[cmd.argv0] {
				// Follow the pipeline this download feeds.
				for j := i + 1; j < len(cmds) && cmds[j].piped; j++ {
					if shRunsStdin(&cmds[j]) {
						c.Scope(s.From.StartLine)
						word := cmd.words[0]
						c.ReportAt(df.PosN(in, word, dfWordIndex(script, word, cmd.argOff)), dfRef(s),
							"RUN pipes the output of %s into %s, executing a download without verifying it", cmd.argv0, cmds[j].argv0)
						break
					}
				}
				continue
			}
			if !shShells[cmd.argv0] {
				continue
			}
			// bash -c "$(curl ...)" and bash <(curl ...).
			for _, pat := range []string{"$(curl ", "$(wget ", "<(curl ", "<(wget ", "`curl ", "`wget "} {
				k := strings.Index(cmd.text, pat)
				if k < 0 {
					continue
				}
				at := cmd.off + k + len(pat) - 5
				word := pat[len(pat)-5 : len(pat)-1]
				c.Scope(s.From.StartLine)
				c.ReportAt(df.PosN(in, word, dfWordIndex(script, word, at)), dfRef(s),
					"RUN has %s execute the output of %s, a download that is not verified", cmd.argv0, word)
				break
			}
		}
	})
}

func dfSudo(c *Context, d *Document) {
	df := d.Dockerfile
	dfRuns(df.Stages, func(s *DockerStage, in *DockerInstruction, script string, cmds []shellCmd) {
		for _, cmd := range cmds {
			if cmd.sudo {
				c.Scope(s.From.StartLine)
				c.ReportAt(df.PosN(in, "sudo", dfWordIndex(script, "sudo", cmd.sudoOff)), dfRef(s), "RUN uses sudo%s", dfIn(s))
			}
		}
	})
}

func dfAptGet(c *Context, d *Document) {
	df := d.Dockerfile
	final := df.Final()
	if final == nil {
		return
	}
	// Only stages whose files end up in the image matter; a builder
	// stage's apt lists are thrown away.
	lineage := df.Lineage(final)
	noRecommendsConf := false
	dfRuns(lineage, func(_ *DockerStage, _ *DockerInstruction, script string, _ []shellCmd) {
		if strings.Contains(script, "Install-Recommends") && (strings.Contains(script, "false") || strings.Contains(script, "\"0\"")) {
			noRecommendsConf = true
		}
	})
	dfRuns(lineage, func(s *DockerStage, in *DockerInstruction, script string, cmds []shellCmd) {
		cached := strings.Contains(strings.Join(in.Flags, " "), "/var/lib/apt")
		for i, cmd := range cmds {
			if cmd.argv0 != "apt-get" && cmd.argv0 != "apt" || !cmd.hasWord("install") {
				continue
			}
			var missing []string
			if !noRecommendsConf && !cmd.hasWord("--no-install-recommends") && !strings.Contains(cmd.text, "Install-Recommends=false") {
				missing = append(missing, "--no-install-recommends")
			}
			if !cached && !dfCleansAptLists(cmds[i+1:]) {
				missing = append(missing, "rm -rf /var/lib/apt/lists/* in the same RUN")
			}
			if len(missing) == 0 {
				continue
			}
			word := cmd.words[0]
			c.Scope(s.From.StartLine)
			c.ReportAt(df.PosN(in, word, dfWordIndex(script, word, cmd.argOff)), dfRef(s),
				"%s install without %s", cmd.argv0, strings.Join(missing, " and "))
		}
	})
}

// dfCleansAptLists reports whether one of cmds removes the apt lists.
func dfCleansAptLists(cmds []shellCmd) bool {
	for _, c := range cmds {
		if c.argv0 == "rm" && strings.Contains(c.text, "/var/lib/apt/lists") {
			return true
		}
	}
	return false
}

func dfHealthcheck(c *Context, d *Document) {
	df := d.Dockerfile
	final := df.Final()
	if final == nil {
		return
	}
	for _, s := range df.Lineage(final) {
		for _, in := range s.Instructions {
			if in.Cmd == "healthcheck" {
				return
			}
		}
	}
	c.Scope(final.From.StartLine)
	c.ReportAt(df.Pos(final.From, ""), dfRef(final), "final stage %s defines no HEALTHCHECK", dfStageName(final))
}

func dfMaintainer(c *Context, d *Document) {
	df := d.Dockerfile
	for _, s := range df.Stages {
		for _, in := range s.Instructions {
			if in.Cmd == "maintainer" {
				c.Scope(s.From.StartLine)
				c.ReportAt(df.Pos(in, ""), dfRef(s), "MAINTAINER is deprecated; use the org.opencontainers.image.authors label")
			}
		}
	}
}

func dfRelativeWorkdir(c *Context, d *Document) {
	df := d.Dockerfile
	for _, s := range df.Stages {
		for _, in := range s.Instructions {
			if in.Cmd != "workdir" || len(in.Args) == 0 {
				continue
			}
			p := dfUnquote(strings.TrimSpace(in.Args[0]))
			if p == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "$") || dfIsWindowsPath(p) {
				continue
			}
			c.Scope(s.From.StartLine)
			c.ReportAt(df.Pos(in, strings.Fields(in.Args[0])[0]), dfRef(s), "WORKDIR %s is relative to the previous working directory", p)
		}
	}
}

// dfIsWindowsPath reports whether p is an absolute Windows path.
func dfIsWindowsPath(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') ||
		strings.HasPrefix(p, `\`)
}

func dfExposeSSH(c *Context, d *Document) {
	df := d.Dockerfile
	for _, s := range df.Stages {
		for _, in := range s.Instructions {
			if in.Cmd != "expose" {
				continue
			}
			for _, a := range in.Args {
				port, proto, _ := strings.Cut(a, "/")
				if proto != "" && !strings.EqualFold(proto, "tcp") {
					continue
				}
				if !dfPortRangeHas(port, 22) {
					continue
				}
				c.Scope(s.From.StartLine)
				c.ReportAt(df.Pos(in, a), dfRef(s), "EXPOSE %s%s publishes the SSH port", a, dfIn(s))
			}
		}
	}
}

// dfPortRangeHas reports whether "N" or "N-M" includes p.
func dfPortRangeHas(r string, p int) bool {
	lo, hi, isRange := strings.Cut(r, "-")
	l, err := strconv.Atoi(lo)
	if err != nil {
		return false
	}
	if !isRange {
		return l == p
	}
	h, err := strconv.Atoi(hi)
	return err == nil && l <= p && p <= h
}

// dfSecretWords are name words that mark a variable as a credential.
var dfSecretWords = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PASS": true, "SECRET": true,
	"TOKEN": true, "APIKEY": true, "PRIVATEKEY": true, "CREDENTIALS": true,
}

// dfSecretPairs are two-word names that mark a credential.
var dfSecretPairs = map[[2]string]bool{
	{"API", "KEY"}: true, {"PRIVATE", "KEY"}: true, {"ACCESS", "KEY"}: true, {"SECRET", "KEY"}: true, {"AUTH", "KEY"}: true,
}

// dfNotSecretSuffix are last words of names that point at a secret rather
// than hold it (PASSWORD_FILE, TOKEN_URL) or describe it.
var dfNotSecretSuffix = map[string]bool{
	"FILE": true, "PATH": true, "DIR": true, "NAME": true, "URL": true, "ENDPOINT": true,
	"HEADER": true, "LENGTH": true, "TTL": true, "TYPE": true, "ID": true, "ENABLED": true,
}

// dfIsSecretName reports whether an environment variable name looks like it
// holds a credential.
func dfIsSecretName(name string) bool {
	words := strings.FieldsFunc(strings.ToUpper(name), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	if len(words) == 0 || dfNotSecretSuffix[words[len(words)-1]] {
		return false
	}
	for i, w := range words {
		if dfSecretWords[w] {
			return true
		}
		if i > 0 && dfSecretPairs[[2]string{words[i-1], w}] {
			return true
		}
	}
	return false
}

// dfIsLiteralSecret reports whether v is a value worth hiding: not empty,
// not a variable reference, not a boolean.
func dfIsLiteralSecret(v string) bool {
	v = strings.TrimSpace(dfUnquote(v))
	if v == "" || strings.HasPrefix(v, "$") {
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "0", "1":
		return false
	}
	return true
}

func dfSecretEnv(c *Context, d *Document) {
	df := d.Dockerfile
	check := func(s *DockerStage, in *DockerInstruction) {
		switch in.Cmd {
		case "env":
			for i := 0; i+1 < len(in.Args); i += 3 {
				k, v := in.Args[i], in.Args[i+1]
				if dfIsSecretName(k) && dfIsLiteralSecret(v) {
					c.ReportAt(df.Pos(in, k), dfObj(s), "ENV %s holds a literal secret, stored in the image config", k)
				}
			}
		case "arg":
			for _, w := range in.Args {
				k, v, ok := strings.Cut(w, "=")
				if ok && dfIsSecretName(k) && dfIsLiteralSecret(v) {
					c.ReportAt(df.Pos(in, k), dfObj(s), "ARG %s has a literal secret default, stored in the image history", k)
				}
			}
		}
	}
	for _, in := range df.Args {
		c.Scope(in.StartLine)
		check(nil, in)
	}
	for _, s := range df.Stages {
		c.Scope(s.From.StartLine)
		for _, in := range s.Instructions {
			check(s, in)
		}
	}
}

// dfObj is dfRef that accepts the nil stage of global ARGs.
func dfObj(s *DockerStage) Object {
	if s == nil {
		return Object{Kind: "Dockerfile"}
	}
	return dfRef(s)
}
