package check

import (
	"context"
	"testing"
)

// TestReliabilityOddInput runs the reliability rules over manifests with
// wrong types, nulls, aliases and missing fields: they must not panic and
// must not report anything about fields that are not there to judge.
func TestReliabilityOddInput(t *testing.T) {
	docs := []string{
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: null\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec: {replicas: many, template: {spec: {containers: web}}}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c}\nspec:\n  replicas: 3\n  strategy: {rollingUpdate: {maxUnavailable: [1]}}\n  template:\n    spec:\n      containers: [null, 7, {name: x, livenessProbe: [a], readinessProbe: 5, resources: [1]}]\n",
		"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: d}\nspec: {scaleTargetRef: web, metrics: [null, {type: Resource, resource: null}], minReplicas: x}\n",
		"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: e}\nspec: {minAvailable: \"%\", maxUnavailable: null, selector: {matchLabels: null}}\n",
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: f}\nspec: {jobTemplate: null, startingDeadlineSeconds: soon}\n",
		"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: g}\nspec: {scaleTargetRef: null, triggers: [{type: cpu, metadata: null}]}\n",
		"base: &b {name: h, image: x, livenessProbe: &p {httpGet: {port: http}}, readinessProbe: *p}\n" +
			"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: h, ownerReferences: [null, {controller: yes}]}\nspec: {template: {spec: {containers: [*b, {<<: *b, name: i}]}}}\n",
	}
	files := map[string]string{}
	for i, d := range docs {
		files[string(rune('a'+i))+".yaml"] = d
	}
	dir := writeFiles(t, files)
	res, err := Run(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.RuleID == ruleLoadError.ID {
			t.Errorf("fixture does not parse: %s:%d: %s", f.File, f.Line, f.Message)
		}
		if f.Line < 1 || f.Column < 1 {
			t.Errorf("%s at %d:%d: position out of range", f.RuleID, f.Line, f.Column)
		}
	}
}
