-- One database per node, all owned by the compose file's PostgreSQL user.
CREATE DATABASE de_drv70001;
CREATE DATABASE fr_cnav;
CREATE DATABASE in_epfo;
