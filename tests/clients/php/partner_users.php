<?php
// An employee of the partner: add, edit, delete and restore (partner_user_delete toggles partner_user_del).
// Arguments: first name, family name.

require __DIR__ . '/bootstrap.php';

[$name, $family_name] = scenario_arguments();
$client = partnerapi_client();

$added = rows($client->partner_user_add([
    'partner_user_name' => $name,
    'partner_user_family_name' => $family_name,
    'partner_user_father_name' => 'Иванович',
]), 'partner_user_add', 'partner_user');
$user_id = $added[0]->partner_user_id;

$edited = rows($client->partner_user_edit([
    'partner_user_id' => $user_id,
    'partner_user_name' => $name . 'а',
    'partner_user_family_name' => null,  // nil: unchanged
    'partner_user_father_name' => '',    // empty: cleared
]), 'partner_user_edit', 'partner_user');

$deleted = rows($client->partner_user_delete(['partner_user_id' => $user_id]), 'partner_user_delete', 'partner_user');
$read_deleted = rows($client->partner_user_read(['partner_user_id' => $user_id]), 'partner_user_read', 'partner_user');
$restored = rows($client->partner_user_delete(['partner_user_id' => $user_id]), 'partner_user_delete', 'partner_user');

emit(['added' => $added, 'edited' => $edited, 'deleted' => $deleted, 'read_deleted_by_id' => $read_deleted, 'restored' => $restored]);
