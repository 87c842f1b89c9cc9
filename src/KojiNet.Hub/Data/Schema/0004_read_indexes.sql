-- Indexes for the hot reads.
-- build_nvr is partial (non-draft builds only), so an NVR lookup that also finds drafts
-- (getBuild by NVR) cannot use it: index every build by NVR.
CREATE INDEX build_pkg_nvr ON build (pkg_id, version, release)
;
