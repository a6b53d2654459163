# Package k8s.images checks container image references.
package k8s.images

import data.lib.k8s

deny_latest_tag contains msg if {
	some c in k8s.all_containers
	k8s.image_tag(c.image) == "latest"
	msg := sprintf("%s: container %q uses the latest tag (%s)", [k8s.id, c.name, c.image])
}

deny_no_tag contains msg if {
	some c in k8s.all_containers
	is_string(c.image)
	not k8s.has_digest(c.image)
	not k8s.image_tag(c.image)
	msg := sprintf("%s: container %q image %s has no tag", [k8s.id, c.name, c.image])
}

warn_no_digest contains msg if {
	some c in k8s.containers
	is_string(c.image)
	not k8s.has_digest(c.image)
	msg := sprintf("%s: container %q image %s is not pinned by digest", [k8s.id, c.name, c.image])
}

trusted_registries := ["registry.example.com/", "gcr.io/", "ghcr.io/", "quay.io/", "registry.k8s.io/"]

warn_untrusted_registry contains msg if {
	some c in k8s.all_containers
	is_string(c.image)
	not trusted(c.image)
	msg := sprintf("%s: container %q pulls from an untrusted registry (%s)", [k8s.id, c.name, c.image])
}

trusted(image) if {
	some r in trusted_registries
	startswith(image, r)
}

warn_pull_policy contains msg if {
	some c in k8s.containers
	c.imagePullPolicy == "Never"
	msg := sprintf("%s: container %q sets imagePullPolicy: Never", [k8s.id, c.name])
}
