-- Host-header routing (issue 13 item 2, the base of preview environments): a blue-green environment
-- with a host name is routed by the traffic proxy only for requests with that Host, so several
-- environments share one public port on a server.
ALTER TABLE environments ADD COLUMN hostname TEXT;
