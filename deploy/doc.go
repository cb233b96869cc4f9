// Package deploy holds no code: it is the home of the deployment files
// (Kubernetes manifests, systemd units, the compose file and the container
// image) and of the tests that keep them consistent with the code: every
// YAML file parses, every LGSP_* setting they or docs/deploy.md name exists
// in the code, every `lgsp serve` names a real service, and every Secret key
// the manifests read is in the Secret template.
package deploy
