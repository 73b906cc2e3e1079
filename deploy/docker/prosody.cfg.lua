-- Prosody for the compose trial (deploy/docker/compose.yaml). Not for production: no
-- TLS certificate, so clients must allow plain-text login on 127.0.0.1.
pidfile = "/var/lib/prosody/prosody.pid"
log = { info = "*console" }
admins = { "admin@localhost" }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "register", "offline",
                    "version", "time", "carbons", "blocklist", "vcard_legacy" }
modules_disabled = { "s2s" }
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = false
-- Junction runs in another container: accept component connections on the compose
-- network (Prosody's default is loopback only).
component_interfaces = { "*" }
component_ports = { 5347 }

VirtualHost "localhost"
    -- The gateways show up in clients' service discovery.
    disco_items = { { "echo.localhost", "Echo gateway" } }

-- The recipe's lines (deploy/recipes/prosody/junction.cfg.lua), with the trial's domain.
Component "echo.localhost"
    component_secret = "compose-trial-secret"
    component_conflict_resolve = "kick_old"
