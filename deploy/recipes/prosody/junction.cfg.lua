-- Junction's gateways as Prosody components (Prosody 0.12, Debian 12).
--
-- 1. Copy this file to /etc/prosody/conf.d/junction.cfg.lua (Debian's prosody.cfg.lua
--    includes conf.d/*.cfg.lua at its end).
-- 2. Replace example.org with your own domain and each secret with a long random string,
--    e.g. from `openssl rand -hex 24`. Put the same string as `secret` into the matching
--    [gateways.NAME] table of /etc/junction/junction.toml. Delete the gateways you don't run.
-- 3. sudo prosodyctl check config && sudo systemctl restart prosody
--
-- Prosody accepts component connections on 127.0.0.1:5347 (and [::1]:5347) by default,
-- which is what Junction's [xmpp] host/port expect. To change that, set these in the
-- *global* section at the top of prosody.cfg.lua, not here (a setting below a Component
-- line belongs to that component):
--     component_ports = { 5347 }
--     component_interfaces = { "127.0.0.1" }
--
-- component_conflict_resolve = "kick_old": when Junction reconnects (after a restart or a
-- network cut) before Prosody has noticed that the old connection is dead, the new
-- connection replaces the old one instead of being refused with "Component already
-- connected" until the old one times out.

-- Echo: answers every message. Handy to check the connection before the real gateways.
Component "echo.example.org"
    component_secret = "change-me-echo-secret"
    component_conflict_resolve = "kick_old"

-- IRC: #channel%network@irc.example.org
Component "irc.example.org"
    component_secret = "change-me-irc-secret"
    component_conflict_resolve = "kick_old"

-- SMS: +15551234567@sms.example.org
Component "sms.example.org"
    component_secret = "change-me-sms-secret"
    component_conflict_resolve = "kick_old"

-- Email: bob\40example.com@mail.example.org
Component "mail.example.org"
    component_secret = "change-me-mail-secret"
    component_conflict_resolve = "kick_old"
