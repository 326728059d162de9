// Prometheus' target APIs over the scrape manager: /api/v1/targets (state=, scrapePool=),
// /api/v1/scrape_pools and /api/v1/targets/metadata (match_target=, metric=, limit=), in
// Prometheus' JSON shapes.
#ifndef TIDEMARK_SERVER_SCRAPE_API_H_
#define TIDEMARK_SERVER_SCRAPE_API_H_

#include "server/api_params.h"
#include "server/http_server.h"
#include "server/scrape_manager.h"

namespace tidemark::server {

// `manager` may be null (no scraping): the answers are empty.
HttpResponse TargetsResponse(const ScrapeManager* manager, const FormValues& form);
HttpResponse ScrapePoolsResponse(const ScrapeManager* manager);
HttpResponse TargetsMetadataResponse(const ScrapeManager* manager, const FormValues& form);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_SCRAPE_API_H_
