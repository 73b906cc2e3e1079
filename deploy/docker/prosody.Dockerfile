# Prosody 0.12 from Debian 12, for the compose trial only (deploy/docker/compose.yaml).
FROM debian:12
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends prosody \
 && rm -rf /var/lib/apt/lists/*
COPY prosody.cfg.lua /etc/prosody/prosody.cfg.lua
USER prosody
EXPOSE 5222 5347
CMD ["prosody", "-F"]
