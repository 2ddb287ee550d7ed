<?php
// Reads: the partner, its regions, its clients; and what a one-row result looks like with and without
// SOAP_SINGLE_ELEMENT_ARRAYS. Arguments: none.

require __DIR__ . '/bootstrap.php';

$client = partnerapi_client();
$without_feature = partnerapi_client(['features' => 0]);

emit([
    'partners' => rows($client->partner_read(), 'partner_read', 'partner'),
    'regions' => rows($client->region_read(), 'region_read', 'region'),
    'clients' => rows($client->client_read(['include_deleted' => false]), 'client_read', 'client'),
    // the quirk the guide warns about: PHP collapses a one-element sequence into the element itself
    'one_row_with_feature' => gettype($client->partner_read()->partner_readResult->partner),
    'one_row_without_feature' => gettype($without_feature->partner_read()->partner_readResult->partner),
]);
