#!/bin/sh
# The amqp events sink against a real RabbitMQ (tests/lib/rabbitmq.sh) on
# a real PostgreSQL server started for this file (tests/lib/pg.sh): the
# cases of events-amqp-cases.sh.
set -u
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/catalog.sh"
. "$top_srcdir/tests/lib/http.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/integration/intake-cases.sh"
. "$top_srcdir/tests/integration/archive-cases.sh"
. "$top_srcdir/tests/integration/events-amqp-cases.sh"
t_setup
catalog_start postgresql
amqp_run_cases
t_done
