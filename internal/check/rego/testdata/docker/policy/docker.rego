package main

import rego.v1

denylist := ["curl", "wget"]

deny contains {"msg": msg, "path": [i]} if {
	some i
	input[i].Cmd == "run"
	some word in denylist
	contains(concat(" ", input[i].Value), word)
	msg := sprintf("RUN in stage %d downloads with %s", [input[i].Stage, word])
}

deny contains msg if {
	some cmd in input
	cmd.Cmd == "from"
	endswith(cmd.Value[0], ":latest")
	msg := sprintf("Stage %d builds from the mutable image %s", [cmd.Stage, cmd.Value[0]])
}

warn contains {"msg": "COPY --from names a stage by number; name the stage", "path": [i]} if {
	some i
	input[i].Cmd == "copy"
	some flag in input[i].Flags
	regex.match(`^--from=[0-9]+$`, flag)
}
