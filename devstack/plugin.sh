#!/bin/bash
# shellcheck shell=bash
#
# devstack/plugin.sh
# DevStack plugin of **CloudKitty**, the rating service.
#
# Enable it in local.conf (see devstack/README.rst):
#
#   enable_plugin cloudkitty <git URL or local path> [branch]
#
# Dependencies (from DevStack):
#
# - ``functions`` and the lib/ scripts (iniset, run_process,
#   write_uwsgi_config, recreate_database, create_service_user, ...)
# - ``DEST``, ``DATA_DIR``, ``STACK_USER``, ``SERVICE_HOST``, ``REGION_NAME``
#
# DevStack calls this file with the phase as arguments; the entry points run
# in this order:
#
# - install_cloudkitty          stack install
# - configure_cloudkitty        stack post-config
# - create_cloudkitty_accounts  stack post-config (when keystone runs)
# - init_cloudkitty             stack extra
# - start_cloudkitty            stack extra
# - stop_cloudkitty             unstack
# - cleanup_cloudkitty          clean

# Save trace setting
_XTRACE_CLOUDKITTY=$(set +o | grep xtrace)
set +o xtrace

# NOTE(ck): console scripts land where pip puts them: the project virtualenv
# when DevStack uses one, the interpreter's prefix otherwise.
if [[ ${USE_VENV} = True ]]; then
    PROJECT_VENV["cloudkitty"]=${CLOUDKITTY_DIR}.venv
    CLOUDKITTY_BIN_DIR=${PROJECT_VENV["cloudkitty"]}/bin
else
    CLOUDKITTY_BIN_DIR=$(get_python_exec_prefix)
fi

# Functions
# ---------

# is_cloudkitty_enabled() - Whether any CloudKitty service is enabled
function is_cloudkitty_enabled {
    is_service_enabled ck-api ck-proc
}

# cloudkitty_service_url() - Root URL of the API (no version suffix)
function cloudkitty_service_url {
    echo "$CLOUDKITTY_SERVICE_PROTOCOL://$CLOUDKITTY_SERVICE_HOST:$CLOUDKITTY_SERVICE_PORT/"
}

# install_cloudkitty() - Install the service, the client and, when asked,
# the Horizon panels
function install_cloudkitty {
    setup_develop "$CLOUDKITTY_DIR"
    pip_install python-cloudkittyclient
    if is_service_enabled ck-dashboard && is_service_enabled horizon; then
        pip_install "$CLOUDKITTY_DASHBOARD_PACKAGE"
    fi
}

# _cloudkitty_service_credentials() - Service user credentials in a
# keystoneauth option group (fetcher and collectors call Keystone,
# Gnocchi...)
function _cloudkitty_service_credentials {
    local group=$1
    iniset "$CLOUDKITTY_CONF" "$group" auth_type password
    iniset "$CLOUDKITTY_CONF" "$group" auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$CLOUDKITTY_CONF" "$group" username cloudkitty
    iniset "$CLOUDKITTY_CONF" "$group" password "$SERVICE_PASSWORD"
    iniset "$CLOUDKITTY_CONF" "$group" project_name "$SERVICE_PROJECT_NAME"
    iniset "$CLOUDKITTY_CONF" "$group" user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$CLOUDKITTY_CONF" "$group" project_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$CLOUDKITTY_CONF" "$group" region_name "$REGION_NAME"
}

# _cloudkitty_metrics_conf() - Install the metrics definition file: the one
# the repository ships for the chosen collector, else the default one
function _cloudkitty_metrics_conf {
    local source_dir=$CLOUDKITTY_DIR/etc/cloudkitty
    local candidate=$source_dir/metrics-$CLOUDKITTY_COLLECTOR.yml
    if [[ ! -f $candidate ]]; then
        candidate=$source_dir/metrics.yml
    fi
    if [[ ! -f $candidate ]]; then
        die $LINENO "no metrics file for collector $CLOUDKITTY_COLLECTOR in $source_dir"
    fi
    cp "$candidate" "$CLOUDKITTY_METRICS_CONF"
}

# configure_cloudkitty() - Write the configuration files
function configure_cloudkitty {
    sudo install -d -o "$STACK_USER" "$CLOUDKITTY_CONF_DIR"
    sudo install -d -o "$STACK_USER" "$CLOUDKITTY_DATA_DIR" "$CLOUDKITTY_DATA_DIR/locks"
    rm -f "$CLOUDKITTY_CONF"

    iniset "$CLOUDKITTY_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$CLOUDKITTY_CONF" DEFAULT auth_strategy keystone
    iniset_rpc_backend cloudkitty "$CLOUDKITTY_CONF"
    configure_keystone_authtoken_middleware "$CLOUDKITTY_CONF" cloudkitty
    setup_logging "$CLOUDKITTY_CONF"

    iniset "$CLOUDKITTY_CONF" database connection "$(database_connection_url cloudkitty)"

    iniset "$CLOUDKITTY_CONF" collect collector "$CLOUDKITTY_COLLECTOR"
    iniset "$CLOUDKITTY_CONF" collect metrics_conf "$CLOUDKITTY_METRICS_CONF"
    iniset "$CLOUDKITTY_CONF" collect period "$CLOUDKITTY_PERIOD"
    iniset "$CLOUDKITTY_CONF" collect wait_periods "$CLOUDKITTY_WAIT_PERIODS"
    _cloudkitty_service_credentials "collector_$CLOUDKITTY_COLLECTOR"
    _cloudkitty_metrics_conf

    iniset "$CLOUDKITTY_CONF" fetcher backend "$CLOUDKITTY_FETCHER"
    _cloudkitty_service_credentials "fetcher_$CLOUDKITTY_FETCHER"

    iniset "$CLOUDKITTY_CONF" orchestrator coordination_url "$CLOUDKITTY_COORDINATION_URL"
    iniset "$CLOUDKITTY_CONF" orchestrator max_workers "$CLOUDKITTY_PROCESSOR_WORKERS"

    # NOTE(ck): like the other services, follow DevStack's global switch for
    # the scope checks of the policy rules.
    if [[ "$ENFORCE_SCOPE" == "True" ]]; then
        iniset "$CLOUDKITTY_CONF" oslo_policy enforce_scope True
        iniset "$CLOUDKITTY_CONF" oslo_policy enforce_new_defaults True
    fi

    # NOTE(ck): uwsgi serves HTTP itself on the service port (4th argument),
    # so the API is the server root with no Apache prefix to strip.
    write_uwsgi_config "$CLOUDKITTY_UWSGI_CONF" "$CLOUDKITTY_UWSGI" "" \
        "$CLOUDKITTY_SERVICE_HOST:$CLOUDKITTY_SERVICE_PORT" "cloudkitty-api"
    iniset "$CLOUDKITTY_UWSGI_CONF" uwsgi env "CLOUDKITTY_CONFIG_FILE=$CLOUDKITTY_CONF"

    if is_service_enabled ck-dashboard && is_service_enabled horizon; then
        configure_cloudkitty_dashboard
    fi
}

# create_cloudkitty_accounts() - Service user, role, service and endpoint
#
# Project   User        Role
# -----------------------------
# service   cloudkitty  admin
# demo      cloudkitty  rating   (one line per CLOUDKITTY_RATED_PROJECTS)
function create_cloudkitty_accounts {
    create_service_user "cloudkitty" "admin"
    get_or_create_role "rating"
    local project
    for project in $CLOUDKITTY_RATED_PROJECTS; do
        get_or_add_user_project_role "rating" "cloudkitty" "$project"
    done
    get_or_create_service "cloudkitty" "rating" "OpenStack Rating"
    get_or_create_endpoint "rating" "$REGION_NAME" "$(cloudkitty_service_url)"
}

# init_cloudkitty() - Create and migrate the database
function init_cloudkitty {
    recreate_database cloudkitty
    "$CLOUDKITTY_BIN_DIR/cloudkitty-dbsync" --config-file "$CLOUDKITTY_CONF" upgrade
}

# configure_cloudkitty_dashboard() - Enable the panels in Horizon
function configure_cloudkitty_dashboard {
    local package_dir
    package_dir=$("$PYTHON" -c 'import os, cloudkittydashboard; print(os.path.dirname(cloudkittydashboard.__file__))')
    local enabled
    for enabled in "$package_dir"/enabled/_[0-9]*.py; do
        ln -sf "$enabled" "$HORIZON_DIR/openstack_dashboard/local/enabled/"
    done
}

# refresh_horizon_static() - Collect the panels' static files and reload
function refresh_horizon_static {
    (cd "$HORIZON_DIR" && "$PYTHON" manage.py collectstatic --noinput \
        && "$PYTHON" manage.py compress --force)
    restart_apache_server
}

# start_cloudkitty() - Start the API and the processor
function start_cloudkitty {
    if is_service_enabled ck-api; then
        run_process ck-api "$(which uwsgi) --procname-prefix cloudkitty --ini $CLOUDKITTY_UWSGI_CONF"
        echo "Waiting for ck-api to start..."
        if ! wait_for_service "$SERVICE_TIMEOUT" "$(cloudkitty_service_url)"; then
            die $LINENO "ck-api did not start"
        fi
    fi
    if is_service_enabled ck-proc; then
        run_process ck-proc "$CLOUDKITTY_BIN_DIR/cloudkitty-processor --config-file $CLOUDKITTY_CONF"
    fi
    if is_service_enabled ck-dashboard && is_service_enabled horizon; then
        refresh_horizon_static
    fi
}

# stop_cloudkitty() - Stop the services
function stop_cloudkitty {
    stop_process ck-api
    stop_process ck-proc
}

# cleanup_cloudkitty() - Remove what configure and start left behind
function cleanup_cloudkitty {
    remove_uwsgi_config "$CLOUDKITTY_UWSGI_CONF" "cloudkitty-api"
    sudo rm -rf "$CLOUDKITTY_DATA_DIR"
    sudo rm -f "$CLOUDKITTY_CONF" "$CLOUDKITTY_METRICS_CONF"
    if [[ -d $HORIZON_DIR/openstack_dashboard/local/enabled ]]; then
        local link
        for link in "$HORIZON_DIR"/openstack_dashboard/local/enabled/_[0-9]*.py; do
            if [[ -L $link && $(readlink "$link") == *cloudkittydashboard* ]]; then
                rm -f "$link"
            fi
        done
    fi
}

# Dispatch
# --------

if is_cloudkitty_enabled; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing CloudKitty"
        install_cloudkitty
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring CloudKitty"
        configure_cloudkitty
        if is_service_enabled key; then
            create_cloudkitty_accounts
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initializing and starting CloudKitty"
        init_cloudkitty
        start_cloudkitty
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_cloudkitty
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_cloudkitty
    fi
fi

# Restore xtrace
$_XTRACE_CLOUDKITTY

# Tell emacs to use shell-script-mode
## Local variables:
## mode: shell-script
## End:
