<?php
// A client's life: add, edit ("" clears a field, null leaves it), read by ID, delete and restore
// (client_delete is a toggle). Arguments: client name, region ID.

require __DIR__ . '/bootstrap.php';

[$name, $region_id] = scenario_arguments();
$client = partnerapi_client();

$added = rows($client->client_add([
    'client_name' => $name,
    'region_id' => $region_id,
    'client_inn' => '7701000001',
    'client_kpp' => '770101001',
]), 'client_add', 'client');
$client_id = $added[0]->client_id;

$edited = rows($client->client_edit([
    'client_id' => $client_id,
    'client_name' => $name . ' (изм.)',
    'client_inn' => '',    // an empty element: clears the INN
    'client_kpp' => null,  // xsi:nil: leaves the KPP as it is
]), 'client_edit', 'client');

$listed = static fn (): array => array_map(
    static fn (object $row): string => $row->client_id,
    rows($client->client_read(['include_deleted' => false]), 'client_read', 'client'),
);

$deleted = rows($client->client_delete(['client_id' => $client_id]), 'client_delete', 'client');
$listed_after_delete = in_array($client_id, $listed(), true);
$read_deleted = rows($client->client_read(['client_id' => $client_id]), 'client_read', 'client');
$restored = rows($client->client_delete(['client_id' => $client_id]), 'client_delete', 'client');
$listed_after_restore = in_array($client_id, $listed(), true);

emit([
    'added' => $added,
    'edited' => $edited,
    'deleted' => $deleted,
    'listed_after_delete' => $listed_after_delete,
    'read_deleted_by_id' => $read_deleted,
    'restored' => $restored,
    'listed_after_restore' => $listed_after_restore,
]);
