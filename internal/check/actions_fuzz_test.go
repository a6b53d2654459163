package check

import "testing"

// FuzzActions parses arbitrary workflow files and runs every GitHub
// Actions rule on them: no panic, and every finding has a position.
func FuzzActions(f *testing.F) {
	ghadockerSeeds(f, "GHA*.txtar")
	for _, s := range []string{
		"on: push\njobs:\n",
		"true: [pull_request_target]\njobs: {a: {steps: [{run: \"${{\"}]}}\n",
		"on: pull_request\njobs:\n  a:\n    runs-on: {labels: self-hosted}\n    steps: null\n",
		"on: issues\njobs:\n  a: &j\n    steps:\n      - run: |2\n           echo ${{ github.event.issue.title }}\n  b: *j\n",
		"on: push\njobs:\n  a:\n    steps:\n      - run: \"echo \\\"${{ github.head_ref }}\\\"\"\n      - run: >-\n          ${{ github.head_ref\n          }}\n",
		"on: push\njobs:\n  a:\n    steps:\n      - run: \"echo ${{ secrets.X }}\\r\\n\"\n        uses: ''\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ghadockerFuzzCheck(t, ".github/workflows/fuzz.yml", data, FormatActions)
	})
}
