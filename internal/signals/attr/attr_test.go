package attr

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestFlatten(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("a", "1")
	m.PutInt("b", 2)
	m.PutStr("long", "héllo wörld")
	dst := map[string]string{"a": "kept"}
	Flatten(dst, m, 10, 4)
	if dst["a"] != "kept" || dst["b"] != "2" || dst["long"] != "hél" {
		t.Fatalf("dst = %v", dst)
	}
	small := map[string]string{}
	Flatten(small, m, 2, 100)
	if len(small) != 2 {
		t.Fatalf("max not kept: %v", small)
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abc", 2, "ab"}, {"日本", 4, "日"}, {"日本", 2, ""}, {"", 0, ""}} {
		if got := Truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
