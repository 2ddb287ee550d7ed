<?php
// Faults as a PHP integrator reads them: faultcode and the Russian faultstring (SOAP 1.1), plus the SOAP 1.2
// subcode and Reason language from the response. A refused write changes nothing.
// Arguments: none.

require __DIR__ . '/bootstrap.php';

[, $url, $login, , $version] = $argv;
$client = partnerapi_client();

$count_clients = static fn (): int => count(rows($client->client_read(['include_deleted' => true]), 'client_read', 'client'));
$clients_before = $count_clients();
$blank_name = fault_of($client, static fn () => $client->client_add(['client_name' => '   ', 'region_id' => null]));
$clients_after = $count_clients();

$wrong_password = partnerapi_client(['password' => 'not-the-password']);

emit([
    'unknown_client' => fault_of($client, static fn () => $client->client_read(['client_id' => 'no-such-client'])),
    'blank_client_name' => $blank_name,
    'clients_added_by_the_refused_write' => $clients_after - $clients_before,
    'wrong_password' => fault_of($wrong_password, static fn () => $wrong_password->partner_read()),
]);
