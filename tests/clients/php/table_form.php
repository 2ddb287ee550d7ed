<?php
// Strict table form as PHP's SoapClient sees it (tests/e2e/test_table_form.py). Reads a JSON list of calls
// on stdin, [{"operation", "row_type", "params": {name: value|null}, "columns": [...]}, …], makes each call
// and prints, per call, every row: its properties in order, and per expected column whether it exists
// (property_exists), whether it is set (isset: false for nil) and its value. A call that fails gives "error".
// Arguments: as every scenario (bootstrap.php): <service URL> <login> <password> <1.1|1.2>.

require __DIR__ . '/bootstrap.php';

$client = partnerapi_client();
$calls = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$answers = [];
foreach ($calls as $call) {
    try {
        $result = $client->{$call['operation']}($call['params']);
        $described = [];
        foreach (rows($result, $call['operation'], $call['row_type']) as $row) {
            $columns = [];
            foreach ($call['columns'] as $column) {
                $exists = property_exists($row, $column);
                $columns[$column] = ['exists' => $exists, 'isset' => isset($row->{$column}), 'value' => $exists ? $row->{$column} : null];
            }
            $described[] = ['properties' => array_keys(get_object_vars($row)), 'columns' => $columns];
        }
        $answers[] = ['rows' => $described];
    } catch (Throwable $error) {
        $answers[] = ['error' => get_class($error) . ': ' . $error->getMessage()];
    }
}
emit($answers);
