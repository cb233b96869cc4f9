// Package docexchange is the document exchange axis (trục liên thông văn
// bản): it carries official edXML documents (QCVN 102:2016) and their
// status packages between the province's agencies, and to and from the
// national document axis.
//
// Two surfaces, both reached through the gateway so that authentication,
// subscriptions, rate limits and metering apply: the national axis's own
// HTTP surface (sendEdoc, getReceivedEdocList, getEdoc, updateStatus …,
// API vdxp/1.0), so that document-management software written for the
// national SDK moves here by changing its base URL; and a clean gRPC/REST
// API (API docexchange/v1) with inbox paging, traces, statistics and push
// (NATS subjects and signed webhooks). The gateway asserts the calling
// application's agency (platform/gatewayid); the service authorises by
// agency: an agency sees only what it sent or received.
//
// A package is accepted all or nothing: its bytes go to the JetStream
// Object Store under their SHA-256 (one copy however many recipients), then
// the document, one delivery per recipient and the trace commit in one SQL
// transaction; only then is the sender answered. The bytes are never
// re-serialised, so signatures stay valid. Deliveries stay in the
// recipient's inbox until it acknowledges them; recipients outside the
// province go out through the national bridge, whose queue is the same
// deliveries table, so it survives restarts and outages.
package docexchange
