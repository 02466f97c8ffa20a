# Test environment for local runs, same as CI: `source scripts/test-env.sh`
# (`.ci/run` creates the gp role and gp_test database and installs Chromium.)
export TEST_DATABASE_URL=postgres://gp:gp@127.0.0.1:5432/gp_test
export GP_REQUIRE_POSTGRES=1
export GP_REQUIRE_BROWSER=1
export GP_REQUIRE_SMTP=1
export CHROMEDRIVER=/usr/bin/chromedriver
export GP_REQUIRE_SCHEMATHESIS=1
export GP_SCHEMATHESIS=/opt/gp-schemathesis/bin/schemathesis
