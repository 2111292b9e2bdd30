<?php

// The application's own classes (composer's autoloader, written by `composer install`) and the
// Laravel 8 framework as Debian packages it (php-laravel-framework): no package registry needed.
require __DIR__.'/../vendor/autoload.php';
require_once '/usr/share/php/Illuminate/autoload.php';
