// Package testrig holds the pieces that run a whole amoflow inside one
// process for the end-to-end tests, the benchmarks and the soak: a TCP proxy
// that can be cut (what a dying broker or database looks like from
// amoflow's side, without touching the real services other tests share), a
// scratch database, the run's RabbitMQ queues (depth, clean-up) and a plain
// HTTP server on a free port.
package testrig
