<?php

namespace App\Http\Controllers;

use App\Jobs\RecordVisit;
use App\Models\Visit;
use Illuminate\Http\Request;

/**
 * Names the release that answers, twice: the code's constant (this file) and the view
 * (resources/views/release.blade.php). A response that mixed an old controller with a new view,
 * or config cached by another release, would show two different names.
 */
class ReleaseController extends Controller
{
    public const RELEASE = 'v1';

    public function show()
    {
        return response()
            ->view('release', ['code' => self::RELEASE, 'config' => config('app.release'), 'visits' => Visit::count()])
            ->header('X-Release', self::RELEASE);
    }

    public function visit(Request $request)
    {
        RecordVisit::dispatch((string) $request->query('path', '/'), self::RELEASE);

        return response()->json(['queued' => true, 'release' => self::RELEASE]);
    }

    public function up()
    {
        return response('ok release='.self::RELEASE);
    }
}
